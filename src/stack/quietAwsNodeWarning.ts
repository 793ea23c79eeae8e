/**
 * The AWS SDK warns on Node 20 that *future* SDK releases will need Node 22. The SDK here is pinned
 * and supports Node 20 (the issue's target), so the warning is noise in the stack's output, the
 * parts' logs and the test run (they inherit this environment). Import this first.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
