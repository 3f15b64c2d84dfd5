/// AWS managed policies Lambda users attach, with their documents as AWS publishes them
/// (the current default version of each) and their `arn:aws:iam::aws:policy/…` ARNs.
public struct AWSManagedPolicy: Sendable {
    public var name: String
    public var path: String
    public var versionID: String
    public var description: String
    public var document: String

    public var arn: String { "arn:aws:iam::aws:policy\(path)\(name)" }
}

public enum AWSManagedPolicies {
    public static func named(arn: String) -> AWSManagedPolicy? { all.first { $0.arn == arn } }

    static let logsWrite = #""logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents""#

    public static let all: [AWSManagedPolicy] = [
        AWSManagedPolicy(name: "AdministratorAccess", path: "/", versionID: "v1",
                         description: "Provides full access to AWS services and resources.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaBasicExecutionRole", path: "/service-role/", versionID: "v1",
                         description: "Provides write permissions to CloudWatch Logs.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["# + logsWrite + #"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaDynamoDBExecutionRole", path: "/service-role/", versionID: "v1",
                         description: "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams","# + logsWrite + #"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaKinesisExecutionRole", path: "/service-role/", versionID: "v2",
                         description: "Provides list and read access to Kinesis streams and write permissions to CloudWatch Logs.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator","kinesis:ListShards","kinesis:ListStreams","kinesis:SubscribeToShard","# + logsWrite + #"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaSQSQueueExecutionRole", path: "/service-role/", versionID: "v1",
                         description: "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","# + logsWrite + #"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaExecute", path: "/", versionID: "v1",
                         description: "Provides Put, Get access to S3 and full access to CloudWatch Logs.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*"],"Resource":"arn:aws:logs:*:*:*"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::*"}]}"#),
        AWSManagedPolicy(name: "AWSLambdaRole", path: "/service-role/", versionID: "v1",
                         description: "Default policy for AWS Lambda service role.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}"#),
        AWSManagedPolicy(name: "AmazonDynamoDBFullAccess", path: "/", versionID: "v15",
                         description: "Provides full access to Amazon DynamoDB via the AWS Management Console.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Action":["dynamodb:*","dax:*","application-autoscaling:DeleteScalingPolicy","application-autoscaling:DeregisterScalableTarget","application-autoscaling:DescribeScalableTargets","application-autoscaling:DescribeScalingActivities","application-autoscaling:DescribeScalingPolicies","application-autoscaling:PutScalingPolicy","application-autoscaling:RegisterScalableTarget","cloudwatch:DeleteAlarms","cloudwatch:DescribeAlarmHistory","cloudwatch:DescribeAlarms","cloudwatch:DescribeAlarmsForMetric","cloudwatch:GetMetricStatistics","cloudwatch:ListMetrics","cloudwatch:PutMetricAlarm","cloudwatch:GetMetricData","datapipeline:ActivatePipeline","datapipeline:CreatePipeline","datapipeline:DeletePipeline","datapipeline:DescribeObjects","datapipeline:DescribePipelines","datapipeline:GetPipelineDefinition","datapipeline:ListPipelines","datapipeline:PutPipelineDefinition","datapipeline:QueryObjects","ec2:DescribeVpcs","ec2:DescribeSubnets","ec2:DescribeSecurityGroups","iam:GetRole","iam:ListRoles","kms:DescribeKey","kms:ListAliases","sns:CreateTopic","sns:DeleteTopic","sns:ListSubscriptions","sns:ListSubscriptionsByTopic","sns:ListTopics","sns:Subscribe","sns:Unsubscribe","sns:SetTopicAttributes","lambda:CreateFunction","lambda:ListFunctions","lambda:ListEventSourceMappings","lambda:CreateEventSourceMapping","lambda:DeleteEventSourceMapping","lambda:GetFunctionConfiguration","lambda:DeleteFunction","resource-groups:ListGroups","resource-groups:ListGroupResources","resource-groups:GetGroup","resource-groups:GetGroupQuery","resource-groups:DeleteGroup","resource-groups:CreateGroup","tag:GetResources","kinesis:ListStreams","kinesis:DescribeStream","kinesis:DescribeStreamSummary"],"Effect":"Allow","Resource":"*"},{"Action":"cloudwatch:GetInsightRuleReport","Effect":"Allow","Resource":"arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*"},{"Action":["iam:PassRole"],"Effect":"Allow","Resource":"*","Condition":{"StringLike":{"iam:PassedToService":["application-autoscaling.amazonaws.com","application-autoscaling.amazonaws.com.cn","dax.amazonaws.com"]}}},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole"],"Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":["replication.dynamodb.amazonaws.com","dax.amazonaws.com","dynamodb.application-autoscaling.amazonaws.com","contributorinsights.dynamodb.amazonaws.com","kinesisreplication.dynamodb.amazonaws.com"]}}}]}"#),
        AWSManagedPolicy(name: "AmazonDynamoDBReadOnlyAccess", path: "/", versionID: "v14",
                         description: "Provides read only access to Amazon DynamoDB via the AWS Management Console.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Sid":"GeneralReadOnlyAccess","Action":["application-autoscaling:DescribeScalableTargets","application-autoscaling:DescribeScalingActivities","application-autoscaling:DescribeScalingPolicies","cloudwatch:DescribeAlarmHistory","cloudwatch:DescribeAlarms","cloudwatch:DescribeAlarmsForMetric","cloudwatch:GetMetricStatistics","cloudwatch:ListMetrics","cloudwatch:GetMetricData","datapipeline:DescribeObjects","datapipeline:DescribePipelines","datapipeline:GetPipelineDefinition","datapipeline:ListPipelines","datapipeline:QueryObjects","dynamodb:BatchGetItem","dynamodb:Describe*","dynamodb:List*","dynamodb:GetItem","dynamodb:GetResourcePolicy","dynamodb:Query","dynamodb:Scan","dynamodb:PartiQLSelect","dax:Describe*","dax:List*","dax:GetItem","dax:BatchGetItem","dax:Query","dax:Scan","ec2:DescribeVpcs","ec2:DescribeSubnets","ec2:DescribeSecurityGroups","iam:GetRole","iam:ListRoles","kms:DescribeKey","kms:ListAliases","sns:ListSubscriptionsByTopic","sns:ListTopics","lambda:ListFunctions","lambda:ListEventSourceMappings","lambda:GetFunctionConfiguration","resource-groups:ListGroups","resource-groups:ListGroupResources","resource-groups:GetGroup","resource-groups:GetGroupQuery","tag:GetResources","kinesis:ListStreams","kinesis:DescribeStream","kinesis:DescribeStreamSummary"],"Effect":"Allow","Resource":"*"},{"Sid":"CCIAccess","Action":"cloudwatch:GetInsightRuleReport","Effect":"Allow","Resource":"arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*"}]}"#),
        AWSManagedPolicy(name: "AmazonS3FullAccess", path: "/", versionID: "v2",
                         description: "Provides full access to all buckets via the AWS Management Console.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "AmazonS3ReadOnlyAccess", path: "/", versionID: "v3",
                         description: "Provides read only access to all buckets via the AWS Management Console.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#),
        AWSManagedPolicy(name: "CloudWatchLogsFullAccess", path: "/", versionID: "v3",
                         description: "Provides full access to CloudWatch Logs",
                         document: #"{"Version":"2012-10-17","Statement":[{"Sid":"CloudWatchLogsFullAccess","Action":["logs:*","cloudwatch:GenerateQuery","cloudwatch:GenerateQueryResultsSummary"],"Resource":"*","Effect":"Allow"}]}"#),
        // AWS's own ReadOnlyAccess lists read actions for every AWS service (some hundred
        // kilobytes); Petrel ships its entries for the services Petrel serves (and S3's).
        AWSManagedPolicy(name: "ReadOnlyAccess", path: "/", versionID: "v1",
                         description: "Provides read-only access to AWS services and resources.",
                         document: #"{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnlyActions","Effect":"Allow","Action":["cloudwatch:Describe*","cloudwatch:Get*","cloudwatch:List*","dynamodb:BatchGet*","dynamodb:Describe*","dynamodb:Get*","dynamodb:List*","dynamodb:Query","dynamodb:Scan","iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","lambda:Get*","lambda:List*","logs:Describe*","logs:FilterLogEvents","logs:Get*","logs:ListTagsForResource","logs:ListTagsLogGroup","logs:StartQuery","logs:StopQuery","logs:TestMetricFilter","s3:Describe*","s3:Get*","s3:List*","sts:GetCallerIdentity"],"Resource":"*"}]}"#),
    ]
}
