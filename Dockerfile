# Playlist Enhancer dashboard: `docker build -t playlist-enhancer . && docker run -p 8501:8501 playlist-enhancer`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KERAS_BACKEND=jax

RUN useradd --create-home --uid 1000 app
WORKDIR /home/app/playlist-enhancer

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=app:app pipeline/ pipeline/
COPY --chown=app:app dashboard/ dashboard/
COPY --chown=app:app .streamlit/config.toml .streamlit/config.toml

USER 1000:1000
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

CMD ["streamlit", "run", "dashboard/app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
