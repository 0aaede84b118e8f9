// The council report: one self-contained HTML page that a council or funder
// can open, print or attach to a paper, built from the three replies of the
// Assessment service (the reciprocity report, the co-production assessment
// and the action plan). Inline CSS and inline SVG charts only: no scripts,
// no fonts, images or styles fetched from anywhere, so the file reads the
// same offline and years later.
//
// Every string from the server is HTML-escaped. The page uses semantic
// headings, tables with scoped header cells, RAG colours that always carry
// their word, and SVG charts with <title> and <desc> beside a data table.
//
// Pure functions; thread-safe.

#ifndef TIMEBANK_CLIENT_COUNCIL_REPORT_H_
#define TIMEBANK_CLIENT_COUNCIL_REPORT_H_

#include <string>
#include <string_view>

#include "timebank/v1/assessment.pb.h"

namespace timebank::client {

// The HTML page for `report` (any granularity), `assessment` (normally of
// the same timebank and range) and the action plan `actions` (every page
// merged into one reply). Figures appear formatted as the CLI's tables
// format them: hours as FormatMinutes, shares as FormatShare, evidence
// values as FormatMetricValue.
std::string RenderCouncilReport(
    const timebank::v1::ReciprocityReport& report,
    const timebank::v1::PrinciplesAssessment& assessment,
    const timebank::v1::ListActionsResponse& actions);

// Text made safe for HTML element content and quoted attribute values: & < >
// " ' become character references, and control characters other than tab
// and newline become spaces.
std::string HtmlEscape(std::string_view text);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_COUNCIL_REPORT_H_
