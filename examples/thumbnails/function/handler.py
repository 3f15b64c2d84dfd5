"""Makes a thumbnail of each image uploaded to the source bucket, into the thumbnails bucket.

Pillow comes from a layer (/opt/python); boto3 is the runtime's own. The thumbnail keeps the
image's aspect ratio and fits in THUMBNAIL_SIZE x THUMBNAIL_SIZE pixels.
"""
import io
import os
import urllib.parse

import boto3
from PIL import Image

s3 = boto3.client("s3")
SIZE = int(os.environ.get("THUMBNAIL_SIZE", "128"))
TARGET = os.environ["THUMBNAIL_BUCKET"]


def handler(event, context):
    made = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        # Keys in S3 events are form-encoded: a space arrives as '+'.
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with Image.open(io.BytesIO(body)) as image:
            image.thumbnail((SIZE, SIZE))
            out = io.BytesIO()
            image.save(out, format="PNG")
            width, height = image.size
        target_key = "thumbnails/" + key.rsplit(".", 1)[0] + ".png"
        s3.put_object(Bucket=TARGET, Key=target_key, Body=out.getvalue(), ContentType="image/png",
                      Metadata={"source": f"{bucket}/{key}", "size": f"{width}x{height}"})
        print(f"{bucket}/{key} -> {TARGET}/{target_key} ({width}x{height})")
        made.append(target_key)
    return {"thumbnails": made}
