import PetrelIdentity
import Testing

@Suite struct BrowserGuardTests {
    @Test(arguments: [
        // (Host, Origin, bound to loopback, refused)
        ("127.0.0.1:4566", nil, true, false),                                   // the CLI, boto3
        ("localhost:4566", nil, true, false),
        ("[::1]:4566", nil, true, false),
        ("127.0.0.1:4566", "http://127.0.0.1:4566", true, false),               // the console, same origin
        ("127.0.0.1:4566", "http://evil.example", true, true),                  // another site's page
        ("127.0.0.1:4566", "null", true, true),                                 // a sandboxed frame or file://
        ("127.0.0.1:4566", "http://localhost:3000", true, false),               // a developer's local app (DynamoDB CORS)
        ("127.0.0.1:4566", "http://127.0.0.1.evil.example", true, true),
        ("127.0.0.1:4566", "file://", true, true),
        ("evil.example:4566", nil, true, true),                                 // DNS rebinding
        ("evil.example:4566", "http://evil.example:4566", true, true),
        ("petrel.internal:4566", nil, false, false),                            // bound beyond loopback: any name
        ("petrel.internal:4566", "http://petrel.internal:4566", false, false),
        ("petrel.internal:4566", "http://evil.example", false, true),
        ("127.1.2.3:4566", nil, true, false),
        ("127.0.0.1.evil.example:4566", nil, true, true),
    ] as [(String, String?, Bool, Bool)])
    func refuses(host: String, origin: String?, loopback: Bool, refused: Bool) {
        #expect((BrowserGuard.refusal(host: host, origin: origin, boundToLoopback: loopback) != nil) == refused)
    }

    @Test(arguments: [
        // (Host, Origin, from a browser, refused) on a loopback address
        ("x", nil, false, false),                           // a raw client naming any Host
        ("x", nil, true, true),                             // a browser: DNS rebinding
        ("evil.example:4566", "http://evil.example:4566", false, true),
    ] as [(String, String?, Bool, Bool)])
    func hostNamesMatterForBrowsers(host: String, origin: String?, browser: Bool, refused: Bool) {
        #expect((BrowserGuard.refusal(host: host, origin: origin, boundToLoopback: true, fromBrowser: browser) != nil) == refused)
    }

    @Test(arguments: [
        ("Mozilla/5.0 (X11; Linux x86_64)", nil, nil, true), (nil, "same-origin", nil, true), (nil, nil, "cors", true),
        ("Boto3/1.43.11 md/Botocore#1.43.11", nil, nil, false), ("aws-cli/1.45.11", nil, nil, false), ("curl/7.88.1", nil, nil, false), (nil, nil, nil, false),
    ] as [(String?, String?, String?, Bool)])
    func browsersAreKnownByTheirMarks(userAgent: String?, site: String?, mode: String?, browser: Bool) {
        #expect(BrowserGuard.isBrowser(userAgent: userAgent, secFetchSite: site, secFetchMode: mode) == browser)
    }

    @Test(arguments: [
        // origin, signatures required -> refused
        ("https://evil.example", false, true),      // audit/off: a page would act as root
        ("https://evil.example", true, false),      // enforce: it must sign with keys it was given
        ("http://127.0.0.1:4566", false, false),    // the console's own origin
    ])
    func foreignOriginsOnlyWhereSignaturesAreRequired(origin: String, enforced: Bool, refused: Bool) {
        #expect((BrowserGuard.refusal(host: "127.0.0.1:4566", origin: origin, boundToLoopback: true,
                                      signaturesRequired: enforced) != nil) == refused)
    }
}
