// Errors as v3 code catches them: by class (instanceof) and by name, with $fault and $metadata.
import { DynamoDBClient, PutItemCommand, DescribeTableCommand, ConditionalCheckFailedException,
  ResourceNotFoundException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import * as lambda from '@aws-sdk/client-lambda';

const ddb = new DynamoDBClient({});

const describe = (err, Cls) => ({
  instanceOf: err instanceof Cls, serviceException: err instanceof DynamoDBServiceException, name: err.name,
  message: err.message, fault: err.$fault, status: err.$metadata.httpStatusCode, hasRequestId: !!err.$metadata.requestId,
});

export const handler = async (event) => {
  const put = (cond) => ddb.send(new PutItemCommand({
    TableName: event.table, Item: { code: { S: 'X' }, redemptions: { N: '0' } }, ConditionExpression: cond,
  }));
  await put(undefined);
  const out = {};
  try {
    await put('attribute_not_exists(code)');
    out.conditional = 'no error';
  } catch (err) {
    out.conditional = describe(err, ConditionalCheckFailedException);
    out.conditionalByName = err.name === 'ConditionalCheckFailedException';
  }
  try {
    await ddb.send(new DescribeTableCommand({ TableName: `${event.table}-missing` }));
  } catch (err) {
    out.missingTable = describe(err, ResourceNotFoundException);
  }
  try {
    await new lambda.LambdaClient({}).send(new lambda.GetFunctionCommand({ FunctionName: `${event.table}-missing` }));
  } catch (err) {
    out.missingFunction = { lambdaClass: err instanceof lambda.ResourceNotFoundException,
      dynamodbClass: err instanceof ResourceNotFoundException, name: err.name, status: err.$metadata.httpStatusCode };
  }
  return out;
};
