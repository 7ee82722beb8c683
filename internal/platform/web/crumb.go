package web

// Crumb is one step of the "breadcrumbs" partial: a unit above the page, or the page
// itself. An empty URL shows the label without a link.
type Crumb struct {
	Label string
	URL   string
}
