#!/usr/bin/env python3
"""A small PeerHub webhook receiver (docs/integrations.md, "Webhooks").

Verifies each delivery's Standard Webhooks signature with the official
library, drops a delivery it has already handled (same webhook-id), prints
the event, and answers 204. A delivery that does not verify gets 400.

    pip install standardwebhooks
    PEERHUB_WEBHOOK_SECRET=whsec_... python3 docs/webhook-receiver.py 8000

The subscription's URL is then http://<this host>:8000/ (https in
production: put it behind a TLS-terminating proxy; http and private
addresses are accepted by PeerHub only with PEERHUB_WEBHOOK_ALLOW_PRIVATE,
for development). During a secret rotation PeerHub signs with both
secrets, so either one verifies.
"""
import json
import os
import sys
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = os.environ.get("PEERHUB_WEBHOOK_SECRET", "")
if not SECRET.startswith("whsec_"):
    sys.exit("set PEERHUB_WEBHOOK_SECRET to the subscription's whsec_ secret")
HOOK = Webhook(SECRET)
MAX_BODY = 1024 * 1024

# The webhook-ids handled lately: PeerHub delivers at least once, so a
# retry after a lost answer, or after a worker crash, repeats a delivery
# under the same id. Keep them as long as a retry can come (about 28 hours)
# in a real receiver; a bounded in-memory set is enough for a demo.
SEEN: "OrderedDict[str, None]" = OrderedDict()
SEEN_MAX = 100_000


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            # Checks the signature (any of the space-separated ones) and
            # that webhook-timestamp is within 5 minutes of now.
            event = HOOK.verify(body, headers)
        except WebhookVerificationError as e:
            print(f"refused: {e}", file=sys.stderr, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        msg_id = headers["webhook-id"]
        if msg_id in SEEN:
            print(f"duplicate {msg_id}: already handled", flush=True)
        else:
            SEEN[msg_id] = None
            if len(SEEN) > SEEN_MAX:
                SEEN.popitem(last=False)
            print(f"{msg_id} {event['type']} at {event['timestamp']}:", flush=True)
            print(json.dumps(event["data"], indent=2, sort_keys=True), flush=True)
        # Answer quickly (PeerHub waits 10 s at most); do slow work later.
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    print(f"listening on :{port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
