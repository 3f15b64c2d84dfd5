// A table made, waited for, filled and paged through from inside a function: CreateTable with
// the waiter, BatchWrite through the document client, then Query with lib-dynamodb's paginator.
const { DynamoDBClient, CreateTableCommand, DeleteTableCommand, waitUntilTableExists } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, DynamoDBDocument, BatchWriteCommand, paginateQuery } = require('@aws-sdk/lib-dynamodb');

const client = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

exports.handler = async (event) => {
  const TableName = event.table;
  await client.send(new CreateTableCommand({
    TableName,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  const waited = await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName });
  const items = [];
  for (let i = 0; i < event.count; i++) {
    items.push({ pk: 'p', sk: i, tags: new Set([`t${i % 3}`]), nested: { even: i % 2 === 0, gone: undefined } });
  }
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(new BatchWriteCommand({
      RequestItems: { [TableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
    }));
  }
  const pages = [];
  const seen = [];
  for await (const page of paginateQuery({ client: doc, pageSize: event.pageSize }, {
    TableName, KeyConditionExpression: 'pk = :p AND sk >= :from', ExpressionAttributeValues: { ':p': 'p', ':from': 0 },
  })) {
    pages.push(page.Count);
    for (const item of page.Items) seen.push(item.sk);
  }
  const first = await DynamoDBDocument.from(client).query({
    TableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'p' }, Limit: 1, ScanIndexForward: false,
  });
  await client.send(new DeleteTableCommand({ TableName }));
  return {
    waiter: waited.state, pages, seen, last: first.Items[0],
    lastTags: [...first.Items[0].tags], lastKey: first.LastEvaluatedKey,
  };
};
