"""Route modules: thin handlers; the work is in classifiers/, pipelines/ and qingfeng.storage."""
