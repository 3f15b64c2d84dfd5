// Redeems a voucher as the article's API does, with the v3 document client: one conditional
// UpdateItem (the voucher must exist and be under its limit). CommonJS and require, as AWS's
// nodejs20.x console examples also write it.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, UpdateCommand } = require('@aws-sdk/lib-dynamodb');

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

exports.handler = async (event) => {
  try {
    const out = await doc.send(new UpdateCommand({
      TableName: process.env.VOUCHERS_TABLE,
      Key: { code: event.code },
      UpdateExpression: 'SET redemptions = redemptions + :one',
      ConditionExpression: 'attribute_exists(code) AND redemptions < #limit',
      ExpressionAttributeNames: { '#limit': 'limit' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }));
    return { redeemed: true, redemptions: out.Attributes.redemptions };
  } catch (err) {
    if (err.name === 'ConditionalCheckFailedException') return { redeemed: false };
    throw err;
  }
};
