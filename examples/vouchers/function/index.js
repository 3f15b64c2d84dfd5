// The article's popular-vouchers function, in its 2015 style: aws-sdk, async.waterfall and
// context.done. Each stream batch carries vouchers' new redemption counts; the function keeps
// the N most redeemed vouchers in one well-known item.
//
// Correct under at-least-once delivery and any batching: a voucher's count only grows, so the
// list keeps, per voucher, the highest count seen (a max is idempotent and order-free), and
// the write is conditional on the list's version, so two concurrent batches cannot undo each
// other: the loser reads the list again and retries.
var AWS = require('aws-sdk');
var async = require('async');

var POPULAR_TABLE = process.env.POPULAR_TABLE || 'popular-vouchers';
var POPULAR_KEY = 'popular';
var TOP_N = parseInt(process.env.TOP_N || '10', 10);

exports.handler = function (event, context) {
    var ddb = new AWS.DynamoDB();
    console.log('Event: %d records', event.Records.length);

    function attempt(triesLeft) {
        async.waterfall([
            function getPopularVouchers(next) {
                var params = { TableName: POPULAR_TABLE, Key: { id: { S: POPULAR_KEY } }, ConsistentRead: true };
                ddb.getItem(params, function (err, data) {
                    if (err) { return next(err); }
                    // pass the popular vouchers to the next step
                    next(null, data.Item || null);
                });
            },
            function readNewRedemptions(item, next) {
                var version = item ? parseInt(item.version.N, 10) : 0;
                var counts = {};
                var list = item ? item.vouchers.L : [];
                for (var i = 0; i < list.length; ++i) {
                    counts[list[i].M.code.S] = parseInt(list[i].M.count.N, 10);
                }
                var changed = false;
                for (i = 0; i < event.Records.length; ++i) {
                    var record = event.Records[i];
                    if (record.eventName === 'REMOVE' || !record.dynamodb.NewImage) { continue; }
                    var image = record.dynamodb.NewImage;
                    var code = image.code.S;
                    var count = parseInt(image.redemptions.N, 10);
                    if (!(code in counts) || count > counts[code]) {
                        counts[code] = count;
                        changed = true;
                    }
                }
                var ranked = Object.keys(counts).map(function (code) {
                    return { code: code, count: counts[code] };
                }).sort(function (a, b) {
                    return b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
                }).slice(0, TOP_N);
                var before = list.map(function (v) { return v.M.code.S + '=' + v.M.count.N; }).join(',');
                var after = ranked.map(function (v) { return v.code + '=' + v.count; }).join(',');
                // if the list has changed, update the popular vouchers item
                if (changed && before !== after) {
                    next(null, ranked, version);
                } else {
                    context.done(); // return if there is no change
                }
            },
            function writeNewPopularVouchers(ranked, version, next) {
                ddb.putItem({
                    Item: {
                        id: { S: POPULAR_KEY },
                        version: { N: String(version + 1) },
                        vouchers: { L: ranked.map(function (v) {
                            return { M: { code: { S: v.code }, count: { N: String(v.count) } } };
                        }) }
                    },
                    TableName: POPULAR_TABLE,
                    ConditionExpression: 'attribute_not_exists(id) OR version = :v',
                    ExpressionAttributeValues: { ':v': { N: String(version) } }
                }, function (err, data) {
                    next(err);
                });
            }
        ], function (err) {
            if (err && err.code === 'ConditionalCheckFailedException' && triesLeft > 0) {
                console.log('The list changed under us; reading it again.');
                return attempt(triesLeft - 1);
            }
            if (err) {
                console.error('Failure! ' + err);
            }
            context.done(err);
        });
    }
    attempt(20);
};
