# wbsetup: the W&B Server installation wizard, as a slim non-root image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WBSETUP_DATA_DIR=/data

RUN groupadd --system --gid 10001 wbsetup \
 && useradd --system --uid 10001 --gid wbsetup --home-dir /data --create-home wbsetup

WORKDIR /opt/wbsetup
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
# Editable: templates/, static/ and migrations/ are found next to app/.
RUN pip install --no-compile -e .

USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["wbsetup"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
