# Mesazhet publike: faqja e raportimit, karta e shqetësimit dhe korniza e faqes.

site-name = hotspots
skip-to-content = Kalo te përmbajtja kryesore
language = Gjuha
date-long = { $day } { $month } { $year }
month-1 = janar
month-2 = shkurt
month-3 = mars
month-4 = prill
month-5 = maj
month-6 = qershor
month-7 = korrik
month-8 = gusht
month-9 = shtator
month-10 = tetor
month-11 = nëntor
month-12 = dhjetor

nav-main = Kryesore
nav-map = Harta
nav-towns = Qytetet
nav-new-report = Raport i ri
nav-triage = Triazhi
nav-api = API
nav-premises = Lokalet
nav-outcomes = Rezultatet
nav-briefing = Brifing
nav-loads = Ngarkimet
nav-admin = Administrimi
sign-out = Dilni
nav-report = Raportoni një shqetësim

report-title = Raportoni një shqetësim për shfrytëzim
report-intro = Na tregoni për një vend ku mendoni se njerëzit detyrohen të punojnë kundër vullnetit të tyre ose shfrytëzohen. Nuk keni nevojë të jepni emrin tuaj.
report-danger = Nëse dikush është në rrezik të menjëhershëm, telefononi 999.
report-helpline = Mund të telefononi edhe Linjën e Ndihmës për Skllavërinë Moderne dhe Shfrytëzimin në 08000 121 700, falas, në çdo kohë. Ata mund të ndihmojnë në shumë gjuhë.
report-privacy = Nuk ju pyesim kush jeni dhe nuk regjistrojmë emrin tuaj, adresën tuaj të internetit apo ndonjë gjë tjetër që ju identifikon.
report-required = Pyetjet e shënuara (e detyrueshme) duhet të plotësohen.
required = (e detyrueshme)
optional = (me dëshirë)

venue-label = Çfarë lloj vendi është?
venue-choose = Zgjidhni llojin e vendit
venue-car_wash = Larje makinash me dorë
venue-nail_bar = Sallon thonjsh
venue-service_station = Pikë karburanti ose parkim kamionësh
venue-farm = Fermë, punë në fushë ose qendër paketimi
venue-other = Diku tjetër

where-legend = Ku ndodhet?
where-hint = Jepni një kod postar, një qytet ose fshat, ose zgjidhni vendin në hartë.
postcode-label = Kodi postar
postcode-hint = Për shembull PE13 1AA. Mjafton pjesa e parë (PE13).
town-label = Qyteti ose fshati
map-label = Harta: klikoni ose prekni për të zgjedhur vendin. Harta nuk është e detyrueshme.
lat-label = Gjerësia gjeografike
lng-label = Gjatësia gjeografike

when-label = Kur e patë?
when-hint = Dita kur e patë, ose sa më afër që mbani mend.

seen-legend = Çfarë patë?
seen-hint = Shënoni gjithçka që patë. Mund të mos shënoni asgjë.
indicator-no_ppe = Punëtorë pa doreza, maska ose veshje mbrojtëse
indicator-living_on_site = Njerëz që jetojnë aty ku punojnë
indicator-cash_only = Pranohen vetëm para në dorë
indicator-no_receipt = Nuk jepet faturë
indicator-very_low_price = Çmime shumë më të ulëta se zakonisht
indicator-fearful_workers = Punëtorë që duken të frikësuar ose nuk flasin
indicator-controlling_manager = Dikush që i kontrollon punëtorët ose flet në vend të tyre
indicator-transported_in_groups = Punëtorë që çohen e merren nga puna në grupe
indicator-id_withheld = Dikush tjetër mban pasaportat ose dokumentet e punëtorëve
indicator-underage_workers = Punëtorë që duken nën 18 vjeç
indicator-signs_of_abuse = Plagë ose shenja dëmtimi
indicator-poor_accommodation = Banim i keq ose i mbipopulluar
indicator-long_hours = Orë pune shumë të gjata
indicator-debt_bondage = Punëtorë që u detyrohen para njerëzve për të cilët punojnë

exploitation-label = Çfarë lloj shfrytëzimi mendoni se është?
exploitation-labour = Punë e detyruar
exploitation-sexual = Shfrytëzim seksual
exploitation-criminal = Të detyruar të kryejnë krime
exploitation-domestic_servitude = Punë shtëpiake e detyruar
exploitation-unknown = Nuk e di

details-label = Çdo gjë tjetër që doni të na tregoni
details-hint = Ju lutemi mos shkruani emrin ose të dhënat tuaja të kontaktit. Jo më shumë se { $limit } karaktere.
honeypot-label = Lëreni këtë fushë bosh
submit = Dërgoni raportin
pow-working = Po kontrollojmë që jeni person dhe jo program. Kjo zgjat disa sekonda…
pow-needs-js = Kjo faqe ka nevojë për JavaScript për të dërguar një raport. Nëse nuk mund ta përdorni, telefononi linjën e ndihmës.

errors-title = Raporti nuk u dërgua
error-venue = Zgjidhni çfarë lloj vendi është.
error-location = Jepni një kod postar, një qytet ose fshat, ose zgjidhni vendin në hartë. Nuk e gjetëm vendin që dhatë.
error-date = Jepni një datë që nuk është në të ardhmen dhe jo para vitit 2000.
error-indicators = Zgjidhni nga lista.
error-details = Teksti është shumë i gjatë.
error-exploitation = Zgjidhni nga lista.
error-expired = Faqja qëndroi e hapur shumë gjatë. Ju lutemi dërgojeni raportin përsëri.
error-busy = U dërguan shumë raporte në pak kohë. Prisni disa minuta dhe provoni përsëri.
error-check = Kontrolli që jeni person nuk përfundoi. Provoni përsëri.

thanks-title = Faleminderit: raporti juaj u dërgua
thanks-body = Raportin tuaj do ta lexojë një oficer i trajnuar, i cili vendos se çfarë do të bëhet. Nuk mund t'ju përgjigjemi, sepse nuk e dimë kush jeni.
thanks-danger = Nëse dikush është në rrezik të menjëhershëm, telefononi 999.
thanks-another = Raportoni diçka tjetër

concern-title = Kartë e re shqetësimi
concern-stored = Faleminderit: raporti u ruajt.
concern-duplicate = Ky raport ishte ruajtur tashmë; nuk u shtua asgjë.
concern-not-stored = Raporti nuk u ruajt
venue-name-label = Emri i vendit
grid-ref-label = Referenca e rrjetit OS (Ordnance Survey)
grid-ref-hint = Për shembull TF 460 100: dy shkronja, pastaj një numër çift shifrash.
where-hint-staff = Jepni një kod postar, një qytet ose fshat, një referencë të rrjetit OS, ose zgjidhni vendin në hartë.
concern-submit = Ruani raportin

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problem
problem-back = Kthehu te harta
problem-400 = Kërkesë e gabuar
problem-401 = Duhet të hyni
problem-403 = Nuk lejohet
problem-404 = Nuk u gjet
problem-408 = Zgjati shumë
problem-413 = Shumë e madhe
problem-429 = Shumë kërkesa
problem-500 = Gabim i serverit
problem-details = Hollësitë, në anglisht:
