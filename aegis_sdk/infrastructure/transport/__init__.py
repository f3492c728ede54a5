"""The pooled NATS connections and what they carry: connecting, reconnecting and moving off
a server in lame duck mode, permission violations, requests and their replies, and the
protocol frames the SDK writes itself."""
