# Staff messages: pages behind sign-in. Shipped in English and Welsh.

triage-title = Public reports waiting for triage
triage-intro = Reports sent from the public reporting page count in no map, layer or table until a tactical officer accepts them. Accept sets what the report is; reject says why.
triage-empty = No public report is waiting.
triage-received = Received
triage-language = Language
triage-report = What was reported
triage-decide = Decision
triage-accept = Accept
triage-reject = Reject
triage-reason = Reason for rejecting
triage-venue = Venue type
triage-precision = Location kept
triage-precision-as_given = As given
triage-precision-outward = Postcode district only
triage-precision-town = Town only
triage-grading = Grading
triage-grading-none = Not graded
triage-accepted = Report { $id } was accepted and now counts in the layers.
triage-rejected = Report { $id } was rejected.
triage-decided = Report { $id } had already been decided.
triage-not-stored = Report { $id } was not accepted: { $reason }
triage-waiting = { $count ->
    [one] One report is waiting.
   *[other] { $count } reports are waiting.
}
triage-field-venue = Venue
triage-field-where = Where
triage-field-when = When
triage-field-seen = Seen
triage-field-exploitation = Exploitation
triage-field-details = Details
triage-decided-title = Decided
triage-decided-caption = Public reports decided, newest first (the last 50)
triage-by = By
triage-status-accepted = Accepted
triage-status-rejected = Rejected
triage-status-pending = Waiting
