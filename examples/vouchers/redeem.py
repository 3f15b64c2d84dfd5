#!/usr/bin/env python3
"""Redeems vouchers the way the article's API would: one DynamoDB transaction increments the
voucher's redemption count under a condition and records the redemption, idempotently (the
redemption id is the transaction's ClientRequestToken, so a retried request counts once)."""
import boto3
from botocore.exceptions import ClientError


def redeem(ddb, vouchers_table, redemptions_table, code, customer, redemption_id):
    """Returns True if redeemed, False if the voucher is unknown or used up."""
    try:
        ddb.transact_write_items(
            ClientRequestToken=redemption_id,
            TransactItems=[
                {"Update": {
                    "TableName": vouchers_table,
                    "Key": {"code": {"S": code}},
                    "UpdateExpression": "SET redemptions = redemptions + :one",
                    "ConditionExpression": "attribute_exists(code) AND redemptions < #limit",
                    "ExpressionAttributeNames": {"#limit": "limit"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }},
                {"Put": {
                    "TableName": redemptions_table,
                    "Item": {"id": {"S": redemption_id}, "code": {"S": code}, "customer": {"S": customer}},
                    "ConditionExpression": "attribute_not_exists(id)",
                }},
            ],
        )
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise


if __name__ == "__main__":
    import sys
    import uuid
    code, customer = sys.argv[1], sys.argv[2]
    ok = redeem(boto3.client("dynamodb"), "vouchers", "redemptions", code, customer, str(uuid.uuid4()))
    print("redeemed" if ok else "refused")
