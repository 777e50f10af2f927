FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 1000 unionbot && mkdir /data && chown unionbot /data
USER unionbot
WORKDIR /home/unionbot
VOLUME ["/data"]
EXPOSE 8080

# SIGTERM from `docker stop` lets in-flight updates finish before exit.
STOPSIGNAL SIGTERM
CMD ["unionbot", "run"]
