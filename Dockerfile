FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3

WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
# requirements.lock: the exact versions CI tested (see README, "Reproducible installs").
RUN pip install -c requirements.lock . && rm -rf /src

RUN useradd --create-home --uid 1000 unionbot && mkdir /data && chown unionbot /data
USER unionbot
WORKDIR /home/unionbot
VOLUME ["/data"]
EXPOSE 8080

# Healthy: the database is at the current schema and the bot polled Telegram (or got a
# webhook update) in the last 3 minutes.
HEALTHCHECK --interval=1m --timeout=15s --start-period=2m --retries=3 CMD ["unionbot", "health"]

# SIGTERM from `docker stop` lets in-flight updates finish before exit.
STOPSIGNAL SIGTERM
CMD ["unionbot", "run"]
