"""The outbox: every email is a row written with the change that causes it, sent later."""
