# Viešieji pranešimai: pranešimo puslapis, susirūpinimo kortelė ir puslapio rėmas.

site-name = hotspots
skip-to-content = Pereiti prie pagrindinio turinio
language = Kalba
date-long = { $year } m. { $month } { $day } d.
month-1 = sausio
month-2 = vasario
month-3 = kovo
month-4 = balandžio
month-5 = gegužės
month-6 = birželio
month-7 = liepos
month-8 = rugpjūčio
month-9 = rugsėjo
month-10 = spalio
month-11 = lapkričio
month-12 = gruodžio

nav-main = Pagrindinis
nav-map = Žemėlapis
nav-towns = Miestai
nav-new-report = Naujas pranešimas
nav-triage = Rūšiavimas
nav-api = API
nav-premises = Patalpos
nav-outcomes = Rezultatai
nav-briefing = Instruktažas
nav-loads = Įkėlimai
nav-admin = Administravimas
sign-out = Atsijungti
nav-report = Pranešti apie susirūpinimą

report-title = Praneškite apie įtariamą išnaudojimą
report-intro = Papasakokite mums apie vietą, kur, jūsų manymu, žmonės verčiami dirbti prieš savo valią arba yra išnaudojami. Savo vardo nurodyti nereikia.
report-danger = Jei kam nors gresia tiesioginis pavojus, skambinkite 999.
report-helpline = Taip pat galite skambinti Šiuolaikinės vergovės ir išnaudojimo pagalbos linijai 08000 121 700 nemokamai, bet kuriuo metu. Jie gali padėti daugeliu kalbų.
report-privacy = Mes neklausiame, kas jūs esate, ir neįrašome jūsų vardo, interneto adreso ar nieko kito, kas jus identifikuotų.
report-required = Į klausimus, pažymėtus (privaloma), būtina atsakyti.
required = (privaloma)
optional = (neprivaloma)

venue-label = Kokia tai vieta?
venue-choose = Pasirinkite vietos tipą
venue-car_wash = Rankinė automobilių plovykla
venue-nail_bar = Nagų salonas
venue-service_station = Degalinė arba sunkvežimių stovėjimo aikštelė
venue-farm = Ūkis, lauko darbai arba pakavimo cechas
venue-other = Kita vieta

where-legend = Kur tai yra?
where-hint = Nurodykite pašto kodą, miestą ar kaimą arba pažymėkite vietą žemėlapyje.
postcode-label = Pašto kodas
postcode-hint = Pavyzdžiui, PE13 1AA. Pakanka pirmosios dalies (PE13).
town-label = Miestas arba kaimas
map-label = Žemėlapis: spustelėkite arba palieskite, kad pažymėtumėte vietą. Žemėlapis neprivalomas.
lat-label = Platuma
lng-label = Ilguma

when-label = Kada tai matėte?
when-hint = Diena, kai tai matėte, arba kiek galite tiksliau prisiminti.

seen-legend = Ką matėte?
seen-hint = Pažymėkite viską, ką matėte. Galima nieko nežymėti.
indicator-no_ppe = Darbuotojai be pirštinių, kaukių ar apsauginių drabužių
indicator-living_on_site = Žmonės gyvena ten, kur dirba
indicator-cash_only = Priimami tik grynieji pinigai
indicator-no_receipt = Neduodamas kvitas
indicator-very_low_price = Per mažos kainos
indicator-fearful_workers = Darbuotojai atrodo išsigandę arba nenori kalbėti
indicator-controlling_manager = Kažkas kontroliuoja darbuotojus arba kalba už juos
indicator-transported_in_groups = Darbuotojai vežami į darbą ir iš jo grupėmis
indicator-id_withheld = Kažkas kitas laiko darbuotojų pasus ar asmens dokumentus
indicator-underage_workers = Darbuotojai, kurie atrodo jaunesni nei 18 metų
indicator-signs_of_abuse = Sužalojimai arba smurto žymės
indicator-poor_accommodation = Prastas arba perpildytas būstas
indicator-long_hours = Labai ilgos darbo valandos
indicator-debt_bondage = Darbuotojai, skolingi žmonėms, kuriems dirba

exploitation-label = Kokio pobūdžio išnaudojimas, jūsų manymu, tai yra?
exploitation-labour = Priverstinis darbas
exploitation-sexual = Seksualinis išnaudojimas
exploitation-criminal = Verčiami daryti nusikaltimus
exploitation-domestic_servitude = Priverstinis namų ūkio darbas
exploitation-unknown = Nežinau

details-label = Ką dar norėtumėte mums pasakyti
details-hint = Prašome nerašyti savo vardo ar kontaktinių duomenų. Ne daugiau kaip { $limit } simbolių.
honeypot-label = Palikite šį laukelį tuščią
submit = Siųsti pranešimą
pow-working = Tikriname, ar tai žmogus, o ne programa. Tai užtrunka kelias sekundes…
pow-needs-js = Norint išsiųsti pranešimą šiame puslapyje reikia JavaScript. Jei negalite jo naudoti, skambinkite pagalbos linijai.

errors-title = Pranešimas neišsiųstas
error-venue = Pasirinkite, kokia tai vieta.
error-location = Nurodykite pašto kodą, miestą ar kaimą arba pažymėkite vietą žemėlapyje. Nepavyko rasti nurodytos vietos.
error-date = Nurodykite datą, kuri nėra ateityje ir ne ankstesnė nei 2000 metai.
error-indicators = Pasirinkite iš sąrašo.
error-details = Tekstas per ilgas.
error-exploitation = Pasirinkite iš sąrašo.
error-expired = Puslapis buvo atidarytas per ilgai. Išsiųskite pranešimą dar kartą.
error-busy = Per trumpą laiką išsiųsta per daug pranešimų. Palaukite kelias minutes ir bandykite dar kartą.
error-check = Patikrinimas, ar tai žmogus, nebaigtas. Bandykite dar kartą.

thanks-title = Ačiū: jūsų pranešimas išsiųstas
thanks-body = Jūsų pranešimą perskaitys apmokytas pareigūnas, kuris nuspręs, ką daryti toliau. Negalime jums atsakyti, nes nežinome, kas jūs esate.
thanks-danger = Jei kam nors gresia tiesioginis pavojus, skambinkite 999.
thanks-another = Pranešti apie ką nors kita

concern-title = Nauja susirūpinimo kortelė
concern-stored = Ačiū: pranešimas išsaugotas.
concern-duplicate = Šis pranešimas jau buvo išsaugotas; nieko nepridėta.
concern-not-stored = Pranešimas neišsaugotas
venue-name-label = Vietos pavadinimas
grid-ref-label = OS (Ordnance Survey) tinklelio koordinatės
grid-ref-hint = Pavyzdžiui, TF 460 100: dvi raidės, po jų lyginis skaitmenų skaičius.
where-hint-staff = Nurodykite pašto kodą, miestą ar kaimą, OS tinklelio koordinates arba pažymėkite vietą žemėlapyje.
concern-submit = Išsaugoti pranešimą

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problema
problem-back = Atgal į žemėlapį
problem-400 = Neteisinga užklausa
problem-401 = Reikia prisijungti
problem-403 = Neleidžiama
problem-404 = Nerasta
problem-408 = Užtruko per ilgai
problem-413 = Per didelis
problem-429 = Per daug užklausų
problem-500 = Serverio klaida
problem-details = Išsami informacija anglų kalba:
