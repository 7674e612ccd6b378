"""The Flask baseline: the least a Flask app can do to answer a small JSON."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify(message="hello", items=[1, 2, 3])
