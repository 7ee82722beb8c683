// Package ops is what a running server shows its operators: Prometheus metrics on a
// registry of the server's own, the log written through a buffer, and the Go
// profiler on a listener of its own that only loopback may reach. It knows nothing of
// the domains: the server tells it what to count.
package ops
