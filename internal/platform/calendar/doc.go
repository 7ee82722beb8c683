// Package calendar is the working-day calendar (工作日历) that every deadline of
// the city stands on: China's public holidays and make-up working days (调休) as
// one file per State Council notice, shipped in the binary, and the years an
// administrator adds in the browser or by import; and the arithmetic of working
// days and working hours on it, which refuses to guess a year it does not have
// (decision 23). It depends on platform (db, auth, changes, apperr, web, app) and
// audit.
package calendar
