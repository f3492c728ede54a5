"""Events on JetStream: the events stream and its consumers, publishing, subscriptions."""
