# Public messages: the reporting page, the concern card and the page frame.
# Shipped in every language; the codes after "venue-", "exploitation-" and
# "indicator-" are the stored values and never change.

site-name = hotspots
skip-to-content = Skip to the main content
language = Language
date-long = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

nav-main = Main
nav-map = Map
nav-towns = Towns
nav-new-report = New report
nav-triage = Triage
nav-api = API
nav-premises = Premises
nav-outcomes = Outcomes
nav-briefing = Briefing
nav-loads = Loads
nav-admin = Admin
sign-out = Sign out
nav-report = Report a concern

report-title = Report a concern about exploitation
report-intro = Tell us about a place where you think people are being made to work against their will or are being exploited. You do not need to give your name.
report-danger = If someone is in immediate danger, call 999.
report-helpline = You can also call the Modern Slavery and Exploitation Helpline on 08000 121 700, free, at any time. They can help in many languages.
report-privacy = We do not ask who you are, and we do not record your name, your internet address or anything else that identifies you.
report-required = Questions marked (required) must be answered.
required = (required)
optional = (optional)

venue-label = What kind of place is it?
venue-choose = Choose a kind of place
venue-car_wash = Hand car wash
venue-nail_bar = Nail bar
venue-service_station = Service station or lorry park
venue-farm = Farm, field work or packhouse
venue-other = Somewhere else

where-legend = Where is it?
where-hint = Give a postcode, or a town or village, or pick the place on the map.
postcode-label = Postcode
postcode-hint = For example PE13 1AA. The first half (PE13) is enough.
town-label = Town or village
map-label = Map: click or tap to pick the place. The map is optional.
lat-label = Latitude
lng-label = Longitude

when-label = When did you see it?
when-hint = The day you saw it, or as near as you remember.

seen-legend = What did you see?
seen-hint = Tick all that you saw. It is fine to tick none.
indicator-no_ppe = Workers without gloves, masks or safety clothing
indicator-living_on_site = People living where they work
indicator-cash_only = Only cash is accepted
indicator-no_receipt = No receipt is given
indicator-very_low_price = Prices that are far too low
indicator-fearful_workers = Workers who seem afraid or will not talk
indicator-controlling_manager = Someone who controls the workers or speaks for them
indicator-transported_in_groups = Workers taken to and from work in groups
indicator-id_withheld = Someone else keeps the workers' passports or ID
indicator-underage_workers = Workers who look under 18
indicator-signs_of_abuse = Injuries or signs of harm
indicator-poor_accommodation = Poor or crowded housing
indicator-long_hours = Very long working hours
indicator-debt_bondage = Workers who owe a debt to the people they work for

exploitation-label = What kind of exploitation do you think it is?
exploitation-labour = Forced work
exploitation-sexual = Sexual exploitation
exploitation-criminal = Made to commit crime
exploitation-domestic_servitude = Forced domestic work
exploitation-unknown = I do not know

details-label = Anything else you want to tell us
details-hint = Please do not write your own name or contact details. At most { $limit } characters.
honeypot-label = Leave this field empty
submit = Send the report
pow-working = Checking that this is a person, not a program. This takes a few seconds…
pow-needs-js = This page needs JavaScript to send a report. If you cannot use it, please call the helpline.

errors-title = The report was not sent
error-venue = Choose what kind of place it is.
error-location = Give a postcode, a town or village, or pick the place on the map. We could not find the place you gave.
error-date = Give a date that is not in the future and not before 2000.
error-indicators = Choose from the list.
error-details = The text is too long.
error-exploitation = Choose from the list.
error-expired = The page was open too long. Please send the report again.
error-busy = Too many reports were sent in a short time. Please wait a few minutes and try again.
error-check = The check that this is a person did not finish. Please try again.

thanks-title = Thank you: your report was sent
thanks-body = Your report will be read by a trained officer. They decide what to do with it. We cannot reply to you, because we do not know who you are.
thanks-danger = If anyone is in immediate danger, call 999.
thanks-another = Report something else

concern-title = New concern card
concern-stored = Thank you: the report was stored.
concern-duplicate = This report was already stored; nothing was added.
concern-not-stored = The report was not stored
venue-name-label = Name of the place
grid-ref-label = OS grid reference
grid-ref-hint = For example TF 460 100: two letters, then an even number of figures.
where-hint-staff = Give a postcode, a town or village, or an OS grid reference, or pick the place on the map.
concern-submit = Store the report

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problem
problem-back = Back to the map
problem-400 = Bad request
problem-401 = Sign-in needed
problem-403 = Not allowed
problem-404 = Not found
problem-408 = Took too long
problem-413 = Too large
problem-429 = Too many requests
problem-500 = Server error
problem-details = The details, in English:
