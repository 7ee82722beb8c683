// Package e2e holds the end-to-end tests: the real program, started in-process
// with the demo city, driven through a real browser. It has no code of its own.
package e2e
