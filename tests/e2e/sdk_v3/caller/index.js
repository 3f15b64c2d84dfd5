// Other functions and services from inside a function with the v3 clients: Lambda Invoke
// (Payload back as a Uint8Array, FunctionError, LogResult, StatusCode), a waiter, a paginator
// (one function per page), and one call each to
// CloudWatch Logs, CloudWatch and DynamoDB Streams.
const { LambdaClient, InvokeCommand, GetFunctionCommand, paginateListFunctions, waitUntilFunctionActiveV2 } = require('@aws-sdk/client-lambda');
const { CloudWatchLogsClient, DescribeLogGroupsCommand } = require('@aws-sdk/client-cloudwatch-logs');
const { CloudWatchClient, ListMetricsCommand } = require('@aws-sdk/client-cloudwatch');
const { DynamoDBStreamsClient, ListStreamsCommand } = require('@aws-sdk/client-dynamodb-streams');

const lambda = new LambdaClient({});

exports.handler = async (event) => {
  const ok = await lambda.send(new InvokeCommand({
    FunctionName: event.target, Payload: JSON.stringify({ hello: 'from v3' }), LogType: 'Tail',
  }));
  const failed = await lambda.send(new InvokeCommand({
    FunctionName: event.failing, Payload: new TextEncoder().encode('{}'),
  }));
  const queued = await lambda.send(new InvokeCommand({ FunctionName: event.target, InvocationType: 'Event', Payload: '{}' }));
  const conf = await lambda.send(new GetFunctionCommand({ FunctionName: event.target }));
  const active = await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: event.target });
  const names = [];
  let pages = 0;
  for await (const page of paginateListFunctions({ client: lambda, pageSize: 1 }, {})) {
    pages++;
    names.push(...page.Functions.map((f) => f.FunctionName));
  }
  const groups = await new CloudWatchLogsClient({}).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${event.target}` }));
  const metrics = await new CloudWatchClient({}).send(new ListMetricsCommand({ Namespace: 'AWS/Lambda' }));
  const streams = await new DynamoDBStreamsClient({}).send(new ListStreamsCommand({}));
  return {
    ok: {
      status: ok.StatusCode, payload: JSON.parse(new TextDecoder().decode(ok.Payload)), isBytes: ok.Payload instanceof Uint8Array,
      log: Buffer.from(ok.LogResult, 'base64').toString(), executed: ok.ExecutedVersion, functionError: ok.FunctionError ?? null,
    },
    failed: { status: failed.StatusCode, functionError: failed.FunctionError, payload: JSON.parse(failed.Payload.transformToString()) },
    queued: queued.StatusCode,
    runtime: conf.Configuration.Runtime,
    active: active.state,
    listed: [event.target, event.failing].every((n) => names.includes(n)),
    onePerPage: pages === names.length,
    groups: groups.logGroups.map((g) => g.logGroupName),
    metricsIsList: Array.isArray(metrics.Metrics),
    streamsIsList: Array.isArray(streams.Streams),
  };
};
