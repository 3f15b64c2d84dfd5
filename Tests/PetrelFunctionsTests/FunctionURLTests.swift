import Foundation
import PetrelCore
@testable import PetrelFunctions
import PetrelStore
import Testing

@Suite struct FunctionURLEventTests {
    func request(method: String = "GET", path: String = "/a/b%20c", query: String = "x=1&x=2&y=a+b&z",
                 headers: [(String, String)] = [("Host", "h"), ("User-Agent", "curl/8"), ("Cookie", "a=1; b=2"), ("X-Multi", "1"), ("X-Multi", "2")],
                 body: String = "", contentType: String? = nil) -> FunctionURLRequest {
        FunctionURLRequest(method: method, rawPath: path, rawQueryString: query,
                           headers: headers.map { (name: $0.0, value: $0.1) } + (contentType.map { [(name: "Content-Type", value: $0)] } ?? []),
                           body: Data(body.utf8), sourceIP: "127.0.0.1", domainName: "abc.lambda-url.us-east-1.localhost",
                           urlID: "abc", accountID: "000000000000", requestID: "r-1", time: Date(timeIntervalSince1970: 1_796_083_200.5))
    }

    func event(_ r: FunctionURLRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: FunctionURLEvent.payload(r)) as? [String: Any])
    }

    @Test func theEventIsHTTPAPIFormat2() throws {
        let e = try event(request())
        #expect(e["version"] as? String == "2.0" && e["routeKey"] as? String == "$default")
        #expect(e["rawPath"] as? String == "/a/b%20c" && e["rawQueryString"] as? String == "x=1&x=2&y=a+b&z")
        #expect(e["cookies"] as? [String] == ["a=1", "b=2"])
        let headers = try #require(e["headers"] as? [String: String])
        #expect(headers["x-multi"] == "1,2" && headers["cookie"] == nil && headers["user-agent"] == "curl/8")
        #expect(e["queryStringParameters"] as? [String: String] == ["x": "1,2", "y": "a b", "z": ""])
        let context = try #require(e["requestContext"] as? [String: Any])
        let http = try #require(context["http"] as? [String: String])
        #expect(http == ["method": "GET", "path": "/a/b c", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "curl/8"])
        #expect(context["domainName"] as? String == "abc.lambda-url.us-east-1.localhost" && context["domainPrefix"] as? String == "abc")
        #expect(context["requestId"] as? String == "r-1" && context["time"] as? String == "01/Dec/2026:00:00:00 +0000")
        #expect((context["timeEpoch"] as? NSNumber)?.int64Value == 1_796_083_200_500)
        #expect(e["body"] == nil && e["isBase64Encoded"] as? Bool == false)
    }

    @Test(arguments: [("application/json", false), ("text/plain; charset=utf-8", false), ("application/octet-stream", true), (nil, true)])
    func bodiesAreTextOrBase64(_ c: (String?, Bool)) throws {
        let e = try event(request(method: "POST", query: "", body: "{\"k\":1}", contentType: c.0))
        #expect(e["isBase64Encoded"] as? Bool == c.1)
        #expect(e["body"] as? String == (c.1 ? Data("{\"k\":1}".utf8).base64EncodedString() : "{\"k\":1}"))
        #expect(e["queryStringParameters"] == nil)
    }
}

@Suite struct FunctionURLResponseTests {
    func answer(_ json: String) -> FunctionURLResponse { FunctionURLResponse.from(output: Data(json.utf8)) }

    @Test func plainResultsAre200JSON() {
        #expect(answer(#""hello""#) == FunctionURLResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data("hello".utf8)))
        #expect(answer(#"{"message":"hi"}"#).body == Data(#"{"message":"hi"}"#.utf8))
        #expect(answer("42").status == 200)
    }

    @Test func structuredResultsAreHonoured() {
        let r = answer(#"{"statusCode": 201, "headers": {"X-A": "1", "Content-Type": "text/plain"}, "multiValueHeaders": {"X-B": ["2", "3"]}, "cookies": ["s=1; Path=/", "t=2"], "body": "made"}"#)
        #expect(r.status == 201 && r.body == Data("made".utf8))
        #expect(r.headers.map { "\($0.name)=\($0.value)" } == ["Content-Type=text/plain", "X-A=1", "X-B=2", "X-B=3", "Set-Cookie=s=1; Path=/", "Set-Cookie=t=2"])
        #expect(answer(#"{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}"#).body == Data("hi".utf8))
        #expect(answer(#"{"statusCode": 204}"#).body.isEmpty)
    }

    @Test(arguments: [#"{"statusCode": "x"}"#, #"{"statusCode": 99}"#, #"{"statusCode": 200, "body": 5}"#,
                      #"{"statusCode": 200, "headers": {"a": {}}}"#, #"{"statusCode": 200, "body": "%%", "isBase64Encoded": true}"#])
    func unreadableResultsAre502(_ json: String) {
        #expect(answer(json) == .badGateway)
    }
}

@Suite struct FunctionURLRulesTests {
    @Test func hostNamesCarryTheURLID() {
        let id = FunctionURLRules.newURLID()
        #expect(id.count == 32)
        let host = FunctionURLConfig.hostName(urlID: id, region: "us-east-1") + ":4566"
        #expect(FunctionURLConfig.urlID(inHost: host)?.id == id && FunctionURLConfig.urlID(inHost: host)?.region == "us-east-1")
        #expect(FunctionURLConfig.urlID(inHost: "127.0.0.1:4566") == nil)
        #expect(FunctionURLConfig.urlID(inHost: "short.lambda-url.us-east-1.localhost") == nil)
    }

    @Test func inputIsValidatedAsAWSDoes() {
        #expect(throws: AWSError.self) { try FunctionURLRules.validate(authType: "OPEN", invokeMode: nil, cors: nil) }
        #expect(throws: AWSError.self) { try FunctionURLRules.validate(authType: "NONE", invokeMode: "FAST", cors: nil) }
        #expect(throws: AWSError.self) { try FunctionURLRules.validate(authType: "NONE", invokeMode: nil, cors: FunctionURLCors(MaxAge: 90_000)) }
        #expect(throws: AWSError.self) { try FunctionURLRules.validate(authType: "NONE", invokeMode: nil, cors: FunctionURLCors(AllowMethods: ["FETCH"])) }
        #expect(throws: AWSError.self) { try FunctionURLRules.validateQualifier("12") }
        #expect(throws: AWSError.self) { try FunctionURLRules.validateQualifier("$LATEST") }
        #expect(throws: Never.self) { try FunctionURLRules.validateQualifier("live") }
        #expect(throws: Never.self) { try FunctionURLRules.validate(authType: "AWS_IAM", invokeMode: "BUFFERED", cors: FunctionURLCors(AllowMethods: ["get", "*"], MaxAge: 10)) }
    }

    @Test func corsAnswersOnlyAllowedOrigins() {
        let cors = FunctionURLCors(AllowCredentials: true, AllowHeaders: ["x-a"], AllowMethods: ["GET", "POST"], AllowOrigins: ["http://app.example"], ExposeHeaders: ["x-b"], MaxAge: 60)
        let names = FunctionURLCORS.preflight(origin: "http://app.example", cors: cors).map { "\($0.name): \($0.value)" }
        #expect(names == ["Access-Control-Allow-Origin: http://app.example", "Vary: Origin", "Access-Control-Allow-Credentials: true",
                          "Access-Control-Allow-Methods: GET, POST", "Access-Control-Allow-Headers: x-a", "Access-Control-Max-Age: 60"])
        #expect(FunctionURLCORS.preflight(origin: "http://evil.example", cors: cors).isEmpty)
        #expect(FunctionURLCORS.responseHeaders(origin: "http://x", cors: FunctionURLCors(AllowOrigins: ["*"])).map(\.value) == ["*"])
    }
}

@Suite struct FunctionURLStoreTests {
    @Test func oneURLPerQualifierFoundByID() throws {
        let store = FunctionURLStore(store: try Store.temporary(migrations: [FunctionURLStore.registerMigrations]))
        let now = Date(timeIntervalSince1970: 1_796_083_200)
        let config = FunctionURLConfig(urlID: FunctionURLRules.newURLID(), functionName: "f", qualifier: nil, authType: "NONE",
                                       cors: FunctionURLCors(AllowOrigins: ["*"]), invokeMode: "BUFFERED", creationTime: now, lastModifiedTime: now)
        _ = try store.create(config)
        #expect(throws: AWSError.self) { try store.create(FunctionURLConfig(urlID: FunctionURLRules.newURLID(), functionName: "f", qualifier: nil, authType: "NONE", cors: nil, invokeMode: "BUFFERED", creationTime: now, lastModifiedTime: now)) }
        var live = config
        live.urlID = FunctionURLRules.newURLID()
        live.qualifier = "live"
        _ = try store.create(live)
        #expect(try store.find(urlID: config.urlID) == config)
        #expect(try store.list(function: "f").map(\.qualifier) == [nil, "live"])
        live.authType = "AWS_IAM"
        try store.update(live)
        #expect(try store.get(function: "f", qualifier: "live")?.authType == "AWS_IAM")
        #expect(try store.delete(function: "f", qualifier: nil))
        #expect(try !store.delete(function: "f", qualifier: nil))
        try store.deleteAll(function: "f")
        #expect(try store.list(function: "f").isEmpty)
    }
}
