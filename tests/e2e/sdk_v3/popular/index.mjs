// The article's popular-vouchers function (examples/vouchers/function/index.js) ported to the
// AWS SDK for JavaScript v3, as AWS's nodejs20.x examples write it: an ES module, the document
// client, async/await. Same algorithm: keep, per voucher, the highest count seen, and write the
// top N conditionally on the list's version; on a lost race read the list again.
import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

const POPULAR_TABLE = process.env.POPULAR_TABLE || 'popular-vouchers';
const POPULAR_KEY = 'popular';
const TOP_N = parseInt(process.env.TOP_N || '10', 10);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event) => {
  console.log('Event: %d records', event.Records.length);
  for (let triesLeft = 20; ; triesLeft--) {
    const { Item: item } = await doc.send(new GetCommand({
      TableName: POPULAR_TABLE, Key: { id: POPULAR_KEY }, ConsistentRead: true,
    }));
    const version = item ? item.version : 0;
    const counts = {};
    for (const v of item ? item.vouchers : []) counts[v.code] = v.count;
    let changed = false;
    for (const record of event.Records) {
      if (record.eventName === 'REMOVE' || !record.dynamodb.NewImage) continue;
      const image = record.dynamodb.NewImage;
      const code = image.code.S;
      const count = parseInt(image.redemptions.N, 10);
      if (!(code in counts) || count > counts[code]) {
        counts[code] = count;
        changed = true;
      }
    }
    const ranked = Object.entries(counts).map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
      .slice(0, TOP_N);
    const show = (list) => list.map((v) => `${v.code}=${v.count}`).join(',');
    if (!changed || show(item ? item.vouchers : []) === show(ranked)) return;
    try {
      await doc.send(new PutCommand({
        TableName: POPULAR_TABLE,
        Item: { id: POPULAR_KEY, version: version + 1, vouchers: ranked },
        ConditionExpression: 'attribute_not_exists(id) OR version = :v',
        ExpressionAttributeValues: { ':v': version },
      }));
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) || triesLeft === 0) throw err;
      console.log('The list changed under us; reading it again.');
    }
  }
};
