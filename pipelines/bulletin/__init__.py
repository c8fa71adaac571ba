"""Reports of 考评验收: the unit table, charts and the public bulletin of a scored period, and the quarterly
bulletin of negative cases (每季度通报一次反面案例)."""
