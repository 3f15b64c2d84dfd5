import Testing
@testable import PetrelObjects

/// Runs the builder the way the store does: keys in ascending UTF-8 order, skipping rolled-up prefixes.
func listing(_ keys: [String], _ query: ListingQuery) -> ListingPage<String> {
    let sorted = keys.sorted { UTF8Order.less($0, $1) }
    var builder = ListingBuilder<String>(query)
    var skip: String?
    for key in sorted {
        if let after = query.after, !UTF8Order.less(after, key) { continue }
        if let skip, UTF8Order.hasPrefix(key, skip) { continue }
        switch builder.offer(key, key) {
        case .next: skip = nil
        case .skipPrefix(let common): skip = common
        case .stop: return builder.page
        }
    }
    return builder.page
}

@Suite struct ListingTests {
    static let keys = ["a.txt", "dir/one", "dir/two", "dir/sub/three", "dir2/x", "photos/2024/a.jpg", "photos/2024/b.jpg",
                       "photos/2025/c.jpg", "z", "Zebra", "é"]

    struct Case: Sendable, CustomStringConvertible {
        var query: ListingQuery
        var contents: [String]
        var prefixes: [String]
        var truncated: Bool
        var description: String { "\(query)" }
    }

    @Test(arguments: [
        Case(query: ListingQuery(), contents: keys.sorted { UTF8Order.less($0, $1) }, prefixes: [], truncated: false),
        Case(query: ListingQuery(delimiter: "/"), contents: ["Zebra", "a.txt", "z", "é"], prefixes: ["dir/", "dir2/", "photos/"], truncated: false),
        Case(query: ListingQuery(prefix: "dir/", delimiter: "/"), contents: ["dir/one", "dir/two"], prefixes: ["dir/sub/"], truncated: false),
        Case(query: ListingQuery(prefix: "photos/", delimiter: "/"), contents: [], prefixes: ["photos/2024/", "photos/2025/"], truncated: false),
        Case(query: ListingQuery(delimiter: "/", maxKeys: 3), contents: ["Zebra", "a.txt"], prefixes: ["dir/"], truncated: true),
        Case(query: ListingQuery(delimiter: "/", maxKeys: 3, after: "dir/"), contents: ["z"], prefixes: ["dir2/", "photos/"], truncated: true),
        Case(query: ListingQuery(prefix: "dir", maxKeys: 2), contents: ["dir/one", "dir/sub/three"], prefixes: [], truncated: true),
        Case(query: ListingQuery(maxKeys: 0), contents: [], prefixes: [], truncated: false),
        Case(query: ListingQuery(after: "photos/2025/c.jpg"), contents: ["z", "é"], prefixes: [], truncated: false),
        Case(query: ListingQuery(prefix: "nothing"), contents: [], prefixes: [], truncated: false),
        Case(query: ListingQuery(delimiter: ".jpg", maxKeys: 10, after: "photos/"), contents: ["z", "é"],
             prefixes: ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg"], truncated: false),
    ])
    func page(_ c: Case) {
        let page = listing(Self.keys, c.query)
        #expect(page.contents == c.contents)
        #expect(page.commonPrefixes == c.prefixes)
        #expect(page.isTruncated == c.truncated)
    }

    /// Following the page's last returned entry visits every key and prefix once, whatever the page size.
    @Test(arguments: [1, 2, 3, 5, 100])
    func paginationCoversEverything(pageSize: Int) {
        var seen: [String] = []
        var after: String?
        for _ in 0..<100 {
            let page = listing(Self.keys, ListingQuery(delimiter: "/", maxKeys: pageSize, after: after))
            seen += page.contents + page.commonPrefixes
            guard page.isTruncated else { break }
            after = page.lastReturned
        }
        let whole = listing(Self.keys, ListingQuery(delimiter: "/"))
        #expect(seen.sorted() == (whole.contents + whole.commonPrefixes).sorted())
        #expect(Set(seen).count == seen.count)
    }

    @Test func utf8OrderComparesBytes() {
        #expect(UTF8Order.less("", "a") && !UTF8Order.less("a", "") && !UTF8Order.less("", ""))
        #expect(UTF8Order.less("ab", "abc") && !UTF8Order.less("abc", "ab") && !UTF8Order.less("ab", "ab"))
        #expect(UTF8Order.less("Z", "a") && UTF8Order.less("z", "é") && UTF8Order.less("e\u{301}", "é"))
        #expect(UTF8Order.hasPrefix("abc", "") && UTF8Order.hasPrefix("abc", "ab") && UTF8Order.hasPrefix("", ""))
        #expect(!UTF8Order.hasPrefix("ab", "abc") && !UTF8Order.hasPrefix("é", "e"))
        #expect(UTF8Order.endOfFirst("/", in: "a/b/c", from: 2) == 4)
        #expect(UTF8Order.endOfFirst("/", in: "a/b", from: 3) == nil)
        #expect(UTF8Order.endOfFirst("é", in: "aéb", from: 0) == 3)
        #expect(UTF8Order.endOfFirst("", in: "abc", from: 0) == nil)
        #expect(UTF8Order.endOfFirst("bc", in: "abc", from: 0) == 3)
    }

    @Test(arguments: [("plain/key.txt", "plain/key.txt"), ("a b+c", "a%20b%2Bc"), ("é", "%C3%A9")])
    func urlEncoding(raw: String, encoded: String) {
        #expect(URLEncoding.encode(raw) == encoded)
    }

    @Test(arguments: ["", "dir/", "é/ü"])
    func continuationTokenRoundTrip(key: String) {
        #expect(ContinuationToken.parse(ContinuationToken.make(key)) == key)
    }
}
