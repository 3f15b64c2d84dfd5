import Foundation
import PetrelCore
import PetrelPatterns
import Testing

/// The examples of AWS's "Content filtering in Amazon EventBridge event patterns" and
/// "Comparison operators for use in event patterns" pages: each pattern with an event it
/// matches and one it does not.
@Suite struct EventPatternTests {
    static let ec2 = #"""
        {"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification",
         "source":"aws.ec2","account":"111122223333","time":"2017-10-02T18:43:48Z","region":"us-west-1",
         "resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0","arn:aws:ec2:us-west-1:123456789012:instance/i-2"],
         "detail":{"instance-id":"i-1234567890abcdef0","state":"terminated","c-count":5,"d-count":3,"x-limit":301.8,
                   "sourceIPAddress":"10.0.0.123","FileName":"photo.PNG","FilePath":"/usr/lib/x.so","service":"EventBridge",
                   "responseElements":{"eip":null,"name":""},"tags":["a","b"]}}
        """#

    static let examples: [(String, String, Bool)] = [
        // Exact values, arrays in the event match any element, nested objects.
        (#"{"source":["aws.ec2"]}"#, ec2, true),
        (#"{"source":["aws.s3"]}"#, ec2, false),
        (#"{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-2"]}"#, ec2, true),
        (#"{"detail":{"state":["running","terminated"]}}"#, ec2, true),
        (#"{"detail":{"state":["running"]}}"#, ec2, false),
        (#"{"detail":{"tags":["b"]}}"#, ec2, true),
        (#"{"detail":{"missing":{"deeper":["x"]}}}"#, ec2, false),
        // Null and empty values.
        (#"{"detail":{"responseElements":{"eip":[null]}}}"#, ec2, true),
        (#"{"detail":{"responseElements":{"name":[""]}}}"#, ec2, true),
        (#"{"detail":{"responseElements":{"name":[null]}}}"#, ec2, false),
        // Prefix, with and without case.
        (#"{"time":[{"prefix":"2017-10-02"}]}"#, ec2, true),
        (#"{"time":[{"prefix":"2018"}]}"#, ec2, false),
        (#"{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}"#, ec2, true),
        (#"{"detail":{"service":[{"prefix":"eventb"}]}}"#, ec2, false),
        // Suffix, with and without case.
        (#"{"detail":{"FileName":[{"suffix":".PNG"}]}}"#, ec2, true),
        (#"{"detail":{"FileName":[{"suffix":".png"}]}}"#, ec2, false),
        (#"{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}"#, ec2, true),
        // Anything-but: a string, a number, lists, prefix, suffix, ignoring case, wildcard.
        (#"{"detail":{"state":[{"anything-but":"initializing"}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"anything-but":"terminated"}]}}"#, ec2, false),
        (#"{"detail":{"c-count":[{"anything-but":123}]}}"#, ec2, true),
        (#"{"detail":{"c-count":[{"anything-but":5}]}}"#, ec2, false),
        (#"{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"anything-but":["stopped","terminated"]}]}}"#, ec2, false),
        (#"{"detail":{"c-count":[{"anything-but":[100,200,300]}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}"#, ec2, false),
        (#"{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}"#, ec2, true),
        (#"{"detail":{"FileName":[{"anything-but":{"suffix":".PNG"}}]}}"#, ec2, false),
        (#"{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"anything-but":{"equals-ignore-case":"TERMINATED"}}]}}"#, ec2, false),
        (#"{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}"#, ec2, false),
        (#"{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/bin/*","*.txt"]}}]}}"#, ec2, true),
        // Numeric ranges.
        (#"{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}"#, ec2, true),
        (#"{"detail":{"c-count":[{"numeric":[">",0,"<",5]}]}}"#, ec2, false),
        (#"{"detail":{"c-count":[{"numeric":[">=",5]}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"numeric":[">",0]}]}}"#, ec2, false),
        // Exact numbers compare as numbers.
        (#"{"detail":{"c-count":[5.0]}}"#, ec2, true),
        (#"{"detail":{"c-count":["5"]}}"#, ec2, false),
        // IP address ranges.
        (#"{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}"#, ec2, true),
        (#"{"detail":{"sourceIPAddress":[{"cidr":"10.0.1.0/24"}]}}"#, ec2, false),
        (#"{"ip":[{"cidr":"2001:db8::/64"}]}"#, #"{"ip":"2001:db8::5"}"#, true),
        (#"{"ip":[{"cidr":"2001:db8::/64"}]}"#, #"{"ip":"2001:db9::5"}"#, false),
        // Exists.
        (#"{"detail":{"state":[{"exists":true}]}}"#, ec2, true),
        (#"{"detail":{"state":[{"exists":false}]}}"#, ec2, false),
        (#"{"detail":{"nothing":[{"exists":false}]}}"#, ec2, true),
        (#"{"detail":{"nothing":[{"exists":true}]}}"#, ec2, false),
        (#"{"detail":{"responseElements":[{"exists":true}]}}"#, ec2, false),
        (#"{"absent":{"deeper":[{"exists":false}]}}"#, ec2, true),
        // Equals-ignore-case.
        (#"{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}"#, ec2, true),
        (#"{"detail-type":[{"equals-ignore-case":"ec2 instance state change"}]}"#, ec2, false),
        // Wildcard.
        (#"{"resources":[{"wildcard":"arn:aws:ec2:us-west-1:*:instance/*"}]}"#, ec2, true),
        (#"{"resources":[{"wildcard":"arn:aws:ec2:us-east-1:*:instance/*"}]}"#, ec2, false),
        (#"{"detail":{"FilePath":[{"wildcard":"*/lib/*"}]}}"#, ec2, true),
        (#"{"detail":{"FilePath":[{"wildcard":"/usr/lib/x.so"}]}}"#, ec2, true),
        (#"{"detail":{"FilePath":[{"wildcard":"*.dll"}]}}"#, ec2, false),
        (#"{"f":[{"wildcard":"a\\*b"}]}"#, #"{"f":"a*b"}"#, true),
        (#"{"f":[{"wildcard":"a\\*b"}]}"#, #"{"f":"axb"}"#, false),
        // $or, at the top level and nested.
        (#"{"detail":{"$or":[{"c-count":[{"numeric":[">",10]}]},{"d-count":[{"numeric":["<",10]}]}]}}"#, ec2, true),
        (#"{"detail":{"$or":[{"c-count":[{"numeric":[">",10]}]},{"d-count":[{"numeric":[">",10]}]}]}}"#, ec2, false),
        (#"{"source":["aws.ec2"],"$or":[{"detail-type":["x"]},{"detail":{"state":["terminated"]}}]}"#, ec2, true),
        (#"{"source":["aws.s3"],"$or":[{"detail-type":["x"]},{"detail":{"state":["terminated"]}}]}"#, ec2, false),
        // The combined example of the page.
        (#"{"time":[{"prefix":"2017-10-02"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}"#, ec2, true),
        // Arrays of objects: any element matches the nested pattern.
        (#"{"items":{"name":["b"]}}"#, #"{"items":[{"name":"a"},{"name":"b"}]}"#, true),
        (#"{"items":{"name":["c"]}}"#, #"{"items":[{"name":"a"},{"name":"b"}]}"#, false),
        (#"{"flag":[true]}"#, #"{"flag":true}"#, true),
        (#"{"flag":[true]}"#, #"{"flag":"true"}"#, false),
    ]

    @Test(arguments: examples)
    func documentedExample(pattern: String, event: String, expected: Bool) throws {
        let compiled = try EventPattern(json: pattern)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(event.utf8))
        #expect(compiled.matches(value) == expected, "\(pattern)")
    }

    static let refused: [(String, String)] = [
        (#"["source"]"#, "Filter is not an object"),
        (#"{"source":"aws.ec2"}"#, "Match value must be String, number, true, false, or null"),
        (#"{"source":[]}"#, "Empty arrays are not allowed"),
        (#"{"source":[{"prefix":1}]}"#, "prefix match pattern must be a string"),
        (#"{"source":[{"foo":"x"}]}"#, "Unrecognized match type foo"),
        (#"{"source":[{"prefix":"a","suffix":"b"}]}"#, "Only one key allowed in match expression"),
        (#"{"n":[{"numeric":[">"]}]}"#, "Value of numeric must be an array."),
        (#"{"n":[{"numeric":["~",5]}]}"#, "Unrecognized numeric range operator: ~"),
        (#"{"n":[{"numeric":["<",5,">",1]}]}"#, "Bad numeric range: lower bound must come first"),
        (#"{"n":[{"numeric":[">",5,"<",1]}]}"#, "Bad numeric range: 5.0 must be less than 1.0"),
        (#"{"n":[{"exists":"yes"}]}"#, "exists match pattern must be either true or false."),
        (#"{"n":[{"cidr":"10.0.0.0"}]}"#, "Malformed CIDR, one '/' required"),
        (#"{"n":[{"wildcard":"a**b"}]}"#, "Consecutive wildcard characters at pos 2"),
        (#"{"n":[{"anything-but":[1,"a"]}]}"#, "Inside anything but list, all values must be of the same type: strings or numbers"),
        (#"{"n":[{"anything-but":true}]}"#, "Value of anything-but must be an array or single string/number value."),
        (#"{"$or":[{"a":["x"]}]}"#, "Value of $or must be an array of at least 2 objects"),
        ("{not json", "Filter is not valid JSON"),
    ]

    @Test(arguments: refused)
    func invalidPatternIsRefused(pattern: String, reason: String) {
        #expect(throws: PatternError(reason)) { try EventPattern(json: pattern) }
    }

    @Test func numericStringsCountForFilterCriteria() throws {
        let pattern = #"{"dynamodb":{"NewImage":{"v":{"N":[{"numeric":[">",10]}]}}}}"#
        let event = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"dynamodb":{"NewImage":{"v":{"N":"42"}}}}"#.utf8))
        #expect(try EventPattern(json: pattern, numericStrings: true).matches(event))
        #expect(try !EventPattern(json: pattern).matches(event))
    }

    @Test func exactSourcesAreExposedForIndexing() throws {
        #expect(try EventPattern(json: #"{"source":["a","b"],"x":["y"]}"#).exactStrings(at: "source") == ["a", "b"])
        #expect(try EventPattern(json: #"{"source":[{"prefix":"a"}]}"#).exactStrings(at: "source") == nil)
        #expect(try EventPattern(json: #"{"detail":{"a":["b"]}}"#).exactStrings(at: "source") == nil)
    }
}
