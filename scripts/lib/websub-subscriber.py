"""A real WebSub subscriber: Flask-WebSub 0.4.1's own subscriber client, unmodified, set up
the way its documentation's client_example.py does (callbacks under /callbacks, SQLite
stores). Used by scripts/interop-websub, whose driver talks to it over HTTP:

    GET /subscribe?url=TOPIC   discover(TOPIC) (its Link headers: rel="hub", rel="self"),
                               then subscriber.subscribe(...); answers JSON
                               {"callback_id", "topic_url", "hub_url"}

Every event the subscriber reports (subscribe succeeded, denied or failed; content
delivered) is appended to STATE_DIR/events.jsonl as one JSON line with the time it arrived:
    {"event": "subscribe"|"error"|"notification", "time": ..., "n": ..., "topic": ...,
     "callback_id": ...}
A notification also has the "sha256" and "bytes" of the body the hub delivered, and the
body itself is kept in STATE_DIR/bodies/<n>.

Usage: websub-subscriber.py PORT STATE_DIR
"""

import hashlib
import json
import os
import sys
import threading
import time

from flask import Flask, jsonify, request
from flask_websub.subscriber import (
    SQLite3SubscriberStorage,
    SQLite3TempSubscriberStorage,
    Subscriber,
    discover,
)

port = int(sys.argv[1])
state = sys.argv[2]
bodies = os.path.join(state, "bodies")
os.makedirs(bodies, exist_ok=True)
events_path = os.path.join(state, "events.jsonl")
database = os.path.join(state, "subscriber.sqlite3")

app = Flask(__name__)
app.config["SERVER_NAME"] = f"127.0.0.1:{port}"
subscriber = Subscriber(SQLite3SubscriberStorage(database), SQLite3TempSubscriberStorage(database))
app.register_blueprint(subscriber.build_blueprint(url_prefix="/callbacks"))

lock = threading.Lock()
counter = 0


def record(event, body=None, **fields):
    global counter
    with lock:
        counter += 1
        if body is not None:
            with open(os.path.join(bodies, str(counter)), "wb") as out:
                out.write(body)
        line = {"event": event, "time": time.time(), "n": counter, **fields}
        with open(events_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@subscriber.add_success_handler
def on_success(topic_url, callback_id, mode):
    record(mode, topic=topic_url, callback_id=callback_id)


@subscriber.add_error_handler
def on_error(topic_url, callback_id, reason):
    record("error", topic=topic_url, callback_id=callback_id, reason=str(reason))


@subscriber.add_listener
def on_topic_change(topic_url, callback_id, body):
    record(
        "notification",
        body=body,
        topic=topic_url,
        callback_id=callback_id,
        sha256=hashlib.sha256(body).hexdigest(),
        bytes=len(body),
        content_type=request.headers.get("Content-Type", ""),
    )


@app.route("/subscribe")
def subscribe_route():
    found = discover(request.args["url"])
    callback_id = subscriber.subscribe(**found)
    return jsonify(callback_id=callback_id, **found)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, threaded=True)
