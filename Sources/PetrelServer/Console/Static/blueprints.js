// Blueprints for the create form. The voucher function is a copy of examples/vouchers/function/index.js
// (tests/e2e/test_console.py checks that the two stay the same).
export const blueprints = [
  {
    "id": "hello-world",
    "title": "Hello world",
    "summary": "The article's first function: logs three values and succeeds with the first (context.succeed).",
    "runtime": "nodejs20.x",
    "handler": "index.handler",
    "role": "basic",
    "description": "A starter function that returns the first of three values",
    "files": {
      "index.js": "console.log('Loading function');\n\nexports.handler = function (event, context) {\n    console.log('value1 =', event.key1);\n    console.log('value2 =', event.key2);\n    console.log('value3 =', event.key3);\n    context.succeed(event.key1);  // Echo back the first key value\n    // context.fail('Something went wrong');\n};\n"
    },
    "event": "{\n  \"key1\": \"value1\",\n  \"key2\": \"value2\",\n  \"key3\": \"value3\"\n}",
    "environment": {}
  },
  {
    "id": "hello-world-python",
    "title": "Hello world (Python)",
    "summary": "The same starter in Python: prints three values and returns the first.",
    "runtime": "python3.12",
    "handler": "lambda_function.lambda_handler",
    "role": "basic",
    "description": "A starter function that returns the first of three values",
    "files": {
      "lambda_function.py": "import json\n\nprint('Loading function')\n\n\ndef lambda_handler(event, context):\n    #print(\"Received event: \" + json.dumps(event, indent=2))\n    print(\"value1 = \" + event['key1'])\n    print(\"value2 = \" + event['key2'])\n    print(\"value3 = \" + event['key3'])\n    return event['key1']  # Echo back the first key value\n    #raise Exception('Something went wrong')\n"
    },
    "event": "{\n  \"key1\": \"value1\",\n  \"key2\": \"value2\",\n  \"key3\": \"value3\"\n}",
    "environment": {}
  },
  {
    "id": "dynamodb-stream-processor",
    "title": "DynamoDB stream processor",
    "summary": "Logs each record of a table stream batch; add a table-stream trigger to run it.",
    "runtime": "nodejs20.x",
    "handler": "index.handler",
    "role": "stream",
    "description": "Processes records from a table stream",
    "files": {
      "index.js": "console.log('Loading function');\n\nexports.handler = function (event, context) {\n    console.log(JSON.stringify(event, null, 2));\n    event.Records.forEach(function (record) {\n        console.log(record.eventID);\n        console.log(record.eventName);\n        console.log('DynamoDB Record: %j', record.dynamodb);\n    });\n    context.succeed('Successfully processed ' + event.Records.length + ' records.');\n};\n"
    },
    "event": "{\n  \"Records\": [\n    {\n      \"eventID\": \"1\",\n      \"eventName\": \"INSERT\",\n      \"eventVersion\": \"1.0\",\n      \"eventSource\": \"aws:dynamodb\",\n      \"awsRegion\": \"us-east-1\",\n      \"dynamodb\": {\n        \"Keys\": {\n          \"Id\": {\n            \"N\": \"101\"\n          }\n        },\n        \"NewImage\": {\n          \"Message\": {\n            \"S\": \"New item!\"\n          },\n          \"Id\": {\n            \"N\": \"101\"\n          }\n        },\n        \"SequenceNumber\": \"111\",\n        \"SizeBytes\": 26,\n        \"StreamViewType\": \"NEW_AND_OLD_IMAGES\"\n      },\n      \"eventSourceARN\": \"arn:aws:dynamodb:us-east-1:000000000000:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899\"\n    }\n  ]\n}",
    "environment": {}
  },
  {
    "id": "popular-vouchers",
    "title": "Voucher popularity",
    "summary": "examples/vouchers: keeps the most redeemed vouchers in one item of the popular-vouchers table (aws-sdk, async.waterfall, context.done).",
    "runtime": "nodejs20.x",
    "handler": "index.handler",
    "role": "stream",
    "description": "Keeps the most redeemed vouchers in popular-vouchers",
    "files": {
      "index.js": "// The article's popular-vouchers function, in its 2015 style: aws-sdk, async.waterfall and\n// context.done. Each stream batch carries vouchers' new redemption counts; the function keeps\n// the N most redeemed vouchers in one well-known item.\n//\n// Correct under at-least-once delivery and any batching: a voucher's count only grows, so the\n// list keeps, per voucher, the highest count seen (a max is idempotent and order-free), and\n// the write is conditional on the list's version, so two concurrent batches cannot undo each\n// other: the loser reads the list again and retries.\nvar AWS = require('aws-sdk');\nvar async = require('async');\n\nvar POPULAR_TABLE = process.env.POPULAR_TABLE || 'popular-vouchers';\nvar POPULAR_KEY = 'popular';\nvar TOP_N = parseInt(process.env.TOP_N || '10', 10);\n\nexports.handler = function (event, context) {\n    var ddb = new AWS.DynamoDB();\n    console.log('Event: %d records', event.Records.length);\n\n    function attempt(triesLeft) {\n        async.waterfall([\n            function getPopularVouchers(next) {\n                var params = { TableName: POPULAR_TABLE, Key: { id: { S: POPULAR_KEY } }, ConsistentRead: true };\n                ddb.getItem(params, function (err, data) {\n                    if (err) { return next(err); }\n                    // pass the popular vouchers to the next step\n                    next(null, data.Item || null);\n                });\n            },\n            function readNewRedemptions(item, next) {\n                var version = item ? parseInt(item.version.N, 10) : 0;\n                var counts = {};\n                var list = item ? item.vouchers.L : [];\n                for (var i = 0; i < list.length; ++i) {\n                    counts[list[i].M.code.S] = parseInt(list[i].M.count.N, 10);\n                }\n                var changed = false;\n                for (i = 0; i < event.Records.length; ++i) {\n                    var record = event.Records[i];\n                    if (record.eventName === 'REMOVE' || !record.dynamodb.NewImage) { continue; }\n                    var image = record.dynamodb.NewImage;\n                    var code = image.code.S;\n                    var count = parseInt(image.redemptions.N, 10);\n                    if (!(code in counts) || count > counts[code]) {\n                        counts[code] = count;\n                        changed = true;\n                    }\n                }\n                var ranked = Object.keys(counts).map(function (code) {\n                    return { code: code, count: counts[code] };\n                }).sort(function (a, b) {\n                    return b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);\n                }).slice(0, TOP_N);\n                var before = list.map(function (v) { return v.M.code.S + '=' + v.M.count.N; }).join(',');\n                var after = ranked.map(function (v) { return v.code + '=' + v.count; }).join(',');\n                // if the list has changed, update the popular vouchers item\n                if (changed && before !== after) {\n                    next(null, ranked, version);\n                } else {\n                    context.done(); // return if there is no change\n                }\n            },\n            function writeNewPopularVouchers(ranked, version, next) {\n                ddb.putItem({\n                    Item: {\n                        id: { S: POPULAR_KEY },\n                        version: { N: String(version + 1) },\n                        vouchers: { L: ranked.map(function (v) {\n                            return { M: { code: { S: v.code }, count: { N: String(v.count) } } };\n                        }) }\n                    },\n                    TableName: POPULAR_TABLE,\n                    ConditionExpression: 'attribute_not_exists(id) OR version = :v',\n                    ExpressionAttributeValues: { ':v': { N: String(version) } }\n                }, function (err, data) {\n                    next(err);\n                });\n            }\n        ], function (err) {\n            if (err && err.code === 'ConditionalCheckFailedException' && triesLeft > 0) {\n                console.log('The list changed under us; reading it again.');\n                return attempt(triesLeft - 1);\n            }\n            if (err) {\n                console.error('Failure! ' + err);\n            }\n            context.done(err);\n        });\n    }\n    attempt(20);\n};\n"
    },
    "event": "{\n  \"Records\": [\n    {\n      \"eventID\": \"1\",\n      \"eventName\": \"MODIFY\",\n      \"eventSource\": \"aws:dynamodb\",\n      \"awsRegion\": \"us-east-1\",\n      \"dynamodb\": {\n        \"Keys\": {\n          \"code\": {\n            \"S\": \"SPRING15\"\n          }\n        },\n        \"NewImage\": {\n          \"code\": {\n            \"S\": \"SPRING15\"\n          },\n          \"redemptions\": {\n            \"N\": \"42\"\n          }\n        },\n        \"SequenceNumber\": \"1\",\n        \"StreamViewType\": \"NEW_AND_OLD_IMAGES\"\n      }\n    }\n  ]\n}",
    "environment": {
      "POPULAR_TABLE": "popular-vouchers",
      "TOP_N": "10"
    }
  }
];
