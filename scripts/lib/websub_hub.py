"""A stock WebSub hub: Flask-WebSub 0.4.1 from PyPI, unmodified, set up the way its
documentation's server_example.py does (a Flask app with the hub blueprint at /hub, an
SQLite subscription store, and Celery with a Redis broker doing the hub's work), without
the example's publisher page. Used by scripts/interop-websub.

One module for both processes, as in the documentation:
    celery -A websub_hub.celery worker ...      the hub's worker (verifies subscribers,
                                                fetches topics, delivers content)
    python3 websub_hub.py                       the hub's HTTP endpoint

Environment: WEBSUB_BROKER_URL (redis://127.0.0.1:PORT/0), WEBSUB_HUB_DB (SQLite file),
WEBSUB_HUB_PORT, WEBSUB_TOPIC_PREFIX (only topics under it may be subscribed to).
"""

import logging
import os

from celery import Celery
from flask import Flask
from flask_websub.hub import Hub, SQLite3HubStorage

app = Flask(__name__)
# As in server_example.py: the hub accepts hub.mode=publish pings (the publisher here is
# engfeed, which sends them after every admin write).
app.config["PUBLISH_SUPPORTED"] = True
# The hub's own request timeout (default 3 s) for fetching topics and calling back; the
# debug build of engfeed renders a cold feed in well under that.
app.config["REQUEST_TIMEOUT"] = 5

celery = Celery("websub_hub", broker=os.environ["WEBSUB_BROKER_URL"])
hub = Hub(SQLite3HubStorage(os.environ["WEBSUB_HUB_DB"]), celery, **app.config)
app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))

TOPIC_PREFIX = os.environ["WEBSUB_TOPIC_PREFIX"]


def only_engfeed_topics(callback_url, topic_url, *args):
    """The hub's documented validator hook: it serves one publisher."""
    if not topic_url.startswith(TOPIC_PREFIX):
        return "Topic not allowed: this hub serves " + TOPIC_PREFIX


hub.register_validator(only_engfeed_topics)

# Flask-WebSub reports failed deliveries and verifications through this logger.
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["WEBSUB_HUB_PORT"]), threaded=True)
