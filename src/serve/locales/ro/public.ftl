# Mesaje publice: pagina de raportare, cardul de îngrijorare și cadrul paginii.

site-name = hotspots
skip-to-content = Salt la conținutul principal
language = Limba
date-long = { $day } { $month } { $year }
month-1 = ianuarie
month-2 = februarie
month-3 = martie
month-4 = aprilie
month-5 = mai
month-6 = iunie
month-7 = iulie
month-8 = august
month-9 = septembrie
month-10 = octombrie
month-11 = noiembrie
month-12 = decembrie

nav-main = Principal
nav-map = Hartă
nav-towns = Orașe
nav-new-report = Raport nou
nav-triage = Triere
nav-api = API
nav-premises = Localuri
nav-outcomes = Rezultate
nav-briefing = Briefing
nav-loads = Importuri
nav-admin = Administrare
sign-out = Deconectare
nav-report = Raportați o îngrijorare

report-title = Raportați o suspiciune de exploatare
report-intro = Spuneți-ne despre un loc unde credeți că oamenii sunt obligați să muncească împotriva voinței lor sau sunt exploatați. Nu trebuie să vă dați numele.
report-danger = Dacă cineva este în pericol imediat, sunați la 999.
report-helpline = Puteți suna și la Linia de asistență pentru sclavie modernă și exploatare, 08000 121 700, gratuit, oricând. Vă pot ajuta în multe limbi.
report-privacy = Nu vă întrebăm cine sunteți și nu înregistrăm numele dumneavoastră, adresa de internet sau orice altceva care v-ar putea identifica.
report-required = Întrebările marcate (obligatoriu) trebuie completate.
required = (obligatoriu)
optional = (opțional)

venue-label = Ce fel de loc este?
venue-choose = Alegeți tipul locului
venue-car_wash = Spălătorie auto manuală
venue-nail_bar = Salon de manichiură
venue-service_station = Benzinărie sau parcare pentru camioane
venue-farm = Fermă, muncă la câmp sau centru de ambalare
venue-other = Alt loc

where-legend = Unde este?
where-hint = Dați un cod poștal, un oraș sau un sat, sau alegeți locul pe hartă.
postcode-label = Cod poștal
postcode-hint = De exemplu PE13 1AA. Prima parte (PE13) este suficientă.
town-label = Oraș sau sat
map-label = Hartă: faceți clic sau atingeți pentru a alege locul. Harta este opțională.
lat-label = Latitudine
lng-label = Longitudine

when-label = Când ați văzut?
when-hint = Ziua în care ați văzut, sau cât de aproape vă amintiți.

seen-legend = Ce ați văzut?
seen-hint = Bifați tot ce ați văzut. Puteți să nu bifați nimic.
indicator-no_ppe = Lucrători fără mănuși, măști sau îmbrăcăminte de protecție
indicator-living_on_site = Oameni care locuiesc acolo unde muncesc
indicator-cash_only = Se acceptă doar numerar
indicator-no_receipt = Nu se dă bon
indicator-very_low_price = Prețuri mult prea mici
indicator-fearful_workers = Lucrători care par speriați sau nu vor să vorbească
indicator-controlling_manager = Cineva care controlează lucrătorii sau vorbește în locul lor
indicator-transported_in_groups = Lucrători duși și aduși de la muncă în grupuri
indicator-id_withheld = Altcineva păstrează pașapoartele sau actele lucrătorilor
indicator-underage_workers = Lucrători care par să aibă sub 18 ani
indicator-signs_of_abuse = Răni sau semne de abuz
indicator-poor_accommodation = Locuințe proaste sau supraaglomerate
indicator-long_hours = Program de lucru foarte lung
indicator-debt_bondage = Lucrători care datorează bani celor pentru care muncesc

exploitation-label = Ce fel de exploatare credeți că este?
exploitation-labour = Muncă forțată
exploitation-sexual = Exploatare sexuală
exploitation-criminal = Obligați să comită infracțiuni
exploitation-domestic_servitude = Muncă domestică forțată
exploitation-unknown = Nu știu

details-label = Orice altceva doriți să ne spuneți
details-hint = Vă rugăm să nu scrieți numele sau datele dumneavoastră de contact. Cel mult { $limit } de caractere.
honeypot-label = Lăsați acest câmp gol
submit = Trimiteți raportul
pow-working = Verificăm că sunteți o persoană, nu un program. Durează câteva secunde…
pow-needs-js = Această pagină are nevoie de JavaScript pentru a trimite un raport. Dacă nu îl puteți folosi, sunați la linia de asistență.

errors-title = Raportul nu a fost trimis
error-venue = Alegeți ce fel de loc este.
error-location = Dați un cod poștal, un oraș sau un sat, sau alegeți locul pe hartă. Nu am găsit locul indicat.
error-date = Dați o dată care nu este în viitor și nu este înainte de 2000.
error-indicators = Alegeți din listă.
error-details = Textul este prea lung.
error-exploitation = Alegeți din listă.
error-expired = Pagina a fost deschisă prea mult timp. Vă rugăm să trimiteți raportul din nou.
error-busy = Au fost trimise prea multe rapoarte într-un timp scurt. Așteptați câteva minute și încercați din nou.
error-check = Verificarea că sunteți o persoană nu s-a terminat. Încercați din nou.

thanks-title = Vă mulțumim: raportul a fost trimis
thanks-body = Raportul dumneavoastră va fi citit de un ofițer instruit, care va decide ce se face mai departe. Nu vă putem răspunde, pentru că nu știm cine sunteți.
thanks-danger = Dacă cineva este în pericol imediat, sunați la 999.
thanks-another = Raportați altceva

concern-title = Card nou de îngrijorare
concern-stored = Vă mulțumim: raportul a fost salvat.
concern-duplicate = Acest raport era deja salvat; nu s-a adăugat nimic.
concern-not-stored = Raportul nu a fost salvat
venue-name-label = Numele locului
grid-ref-label = Referința de grilă OS (Ordnance Survey)
grid-ref-hint = De exemplu TF 460 100: două litere, apoi un număr par de cifre.
where-hint-staff = Dați un cod poștal, un oraș sau un sat, o referință de grilă OS, sau alegeți locul pe hartă.
concern-submit = Salvați raportul

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problemă
problem-back = Înapoi la hartă
problem-400 = Cerere greșită
problem-401 = Este necesară autentificarea
problem-403 = Nu este permis
problem-404 = Nu a fost găsit
problem-408 = A durat prea mult
problem-413 = Prea mare
problem-429 = Prea multe cereri
problem-500 = Eroare de server
problem-details = Detaliile, în engleză:
