# Varnish in front of cissapi (Debian's varnish 7 with varnish-modules' xkey; README, "Deployment").
#
# Caches what the app says is public (Cache-Control), tags each object with the app's Surrogate-Key words
# through xkey, and drops them when the worker sends `PURGE` with `xkey-purge: k1 k2` after a change
# (cissapi/purge.py). Never caches the admin, a request with credentials or an answer that sets a cookie.
# tests/scale/test_varnish.py runs this file, with the backend pointed at a test server.
vcl 4.1;

import std;
import xkey;

# docker-compose.yml's `web` service; gunicorn listens on 8000.
backend default {
    .host = "web";
    .port = "8000";
}

# Who may purge: the worker's address. Loopback and the private ranges docker networks use; narrow this to
# your worker's addresses when Varnish is reachable from elsewhere.
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.n-gone + " objects"));
        }
        return (synth(400, "A PURGE names its surrogate keys in xkey-purge"));
    }
    # The admin (and everything it posts) is per-editor: never cached, never served from cache.
    if (req.url ~ "^/admin(/|$)") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Partners' answers are theirs alone (the app marks them private too).
    if (req.http.Authorization) {
        return (pass);
    }
    # A signed-in editor's session (previews, the site as staff see it) goes to the app; other cookies
    # (analytics) change nothing the app sends, so they are dropped and the request can be a hit.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # An answer that sets a cookie is someone's own; Cache-Control private or no-store is not for sharing.
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # xkey reads its keys from the `xkey` header: the app's Surrogate-Key words.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
