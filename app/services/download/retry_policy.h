#pragma once
// Exponential backoff for automatic retries of transient failures (connection lost, timeout,
// HTTP 429/5xx): attempt n (1-based) waits min(initialDelayMs * 2^(n-1), maxDelayMs), and
// after maxAttempts failed tries in a row the error is reported. For downloads, attempts
// that moved the file forward do not count.
namespace lowbit::app {

struct RetryPolicy {
    int maxAttempts = 6;
    int initialDelayMs = 1000;
    int maxDelayMs = 60000;
    int delayForAttempt(int attempt) const;
};

}  // namespace lowbit::app
