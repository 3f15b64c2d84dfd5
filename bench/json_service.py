"""An AWS JSON-protocol service as the load generators speak it: the X-Amz-Target prefix, the
content type, and a fixed SigV4-shaped Authorization header (the servers measured do not verify
signatures, so requests can be built once and replayed)."""
import json
import urllib.request

DATE = "20240101T000000Z"


class JsonService:
    def __init__(self, target, content_type, signing_name):
        self.target, self.content_type = target, content_type
        self.auth = (f"AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{signing_name}/aws4_request, "
                     "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64)

    def call(self, endpoint, op, body):
        """One request through urllib; the decoded JSON answer."""
        req = urllib.request.Request(endpoint + "/", data=json.dumps(body).encode(), method="POST", headers={
            "X-Amz-Target": f"{self.target}.{op}", "Content-Type": self.content_type,
            "Authorization": self.auth, "X-Amz-Date": DATE})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def raw_request(self, host, op, body):
        """The request's bytes, for the load generator to send as they are."""
        payload = json.dumps(body, separators=(",", ":")).encode()
        head = (f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: {self.target}.{op}\r\n"
                f"Content-Type: {self.content_type}\r\nAuthorization: {self.auth}\r\n"
                f"X-Amz-Date: {DATE}\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        return head + payload


DYNAMODB = JsonService("DynamoDB_20120810", "application/x-amz-json-1.0", "dynamodb")
KINESIS = JsonService("Kinesis_20131202", "application/x-amz-json-1.1", "kinesis")
SQS = JsonService("AmazonSQS", "application/x-amz-json-1.0", "sqs")
