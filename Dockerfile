# wbsetup: the W&B Server installation wizard, as a slim non-root image built from its wheel (SPEC §9).
# Builder: the wheel and a wheelhouse of it with every runtime and demo dependency.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
RUN pip install --no-cache-dir build==1.6.1
COPY pyproject.toml README.md babel.cfg ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
RUN python -m build --wheel --outdir /dist . \
 && pip wheel --no-cache-dir --wheel-dir /dist/wheelhouse "$(ls /dist/wbsetup-*.whl)[demo]"

# Final stage: the installed wheel (not a checkout), no compilers, no build tools.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WBSETUP_DATA_DIR=/data

RUN groupadd --system --gid 10001 wbsetup \
 && useradd --system --uid 10001 --gid wbsetup --home-dir /data --create-home wbsetup

COPY --from=build /dist/wheelhouse /tmp/wheelhouse
RUN pip install --no-cache-dir --no-index --find-links /tmp/wheelhouse "$(ls /tmp/wheelhouse/wbsetup-*.whl)[demo]" \
 && rm -rf /tmp/wheelhouse

USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["wbsetup"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
