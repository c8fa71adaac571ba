"""The HTTP API (FastAPI): ``serving.app.create_app(settings)``; started by ``qingfeng serve``."""
