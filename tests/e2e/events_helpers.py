"""What an AWS user must do before an EventBridge rule may send to an SQS queue (a target or a
dead-letter queue): add a statement to the queue's policy letting events.amazonaws.com
sqs:SendMessage, as the EventBridge user guide ("Amazon SQS permissions") shows. Only AWS's
console (and Petrel's) adds it by itself; with the CLI, an SDK or CloudFormation it is the user's."""
import json

ACCOUNT = "000000000000"


def let_events_send(server, queue, rule_arn=None):
    """Adds to `queue`'s policy (a queue URL or ARN) a statement letting EventBridge send to it for
    the rule `rule_arn`, or for any rule of the account (`aws:SourceAccount`) when none is given.
    Keeps the statements the policy already has. Returns the queue's ARN."""
    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName=queue.split(":")[-1])["QueueUrl"] if queue.startswith("arn:") else queue
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])["Attributes"]
    arn = attributes["QueueArn"]
    policy = json.loads(attributes["Policy"]) if attributes.get("Policy") else {"Version": "2012-10-17", "Statement": []}
    condition = {"ArnEquals": {"aws:SourceArn": rule_arn}} if rule_arn else {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    policy["Statement"].append({"Sid": f"events{len(policy['Statement'])}", "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
                                "Resource": arn, "Condition": condition})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return arn
