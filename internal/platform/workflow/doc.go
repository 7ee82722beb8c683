// Package workflow is the engine every domain in which "a thing moves through steps,
// each with an owner, a clock and a record" runs on: cases (案件) first, then the
// service hall, work access and care visits. A Flow is data — states, transitions,
// who may take each and what each requires, a time limit per step per category —
// and an Instance is one thing moving through it, with its timeline of Actions.
// Taking a transition checks role, the unit the principal acts for and scope, and
// writes the instance, the action and the audit record in the caller's transaction.
// It depends on platform and on internal/audit only; domains depend on it.
package workflow
