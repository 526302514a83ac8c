# Negeseuon cyhoeddus: y dudalen adrodd, y cerdyn pryder a ffrâm y dudalen.

site-name = hotspots
skip-to-content = Neidio i'r prif gynnwys
language = Iaith
date-long = { $day } { $month } { $year }
month-1 = Ionawr
month-2 = Chwefror
month-3 = Mawrth
month-4 = Ebrill
month-5 = Mai
month-6 = Mehefin
month-7 = Gorffennaf
month-8 = Awst
month-9 = Medi
month-10 = Hydref
month-11 = Tachwedd
month-12 = Rhagfyr

nav-main = Prif
nav-map = Map
nav-towns = Trefi
nav-new-report = Adroddiad newydd
nav-triage = Brysbennu
nav-api = API
nav-premises = Safleoedd
nav-outcomes = Canlyniadau
nav-briefing = Sesiwn friffio
nav-loads = Llwythiadau
nav-admin = Gweinyddu
sign-out = Allgofnodi
nav-report = Rhoi gwybod am bryder

report-title = Rhoi gwybod am bryder ynghylch camfanteisio
report-intro = Dywedwch wrthym am le lle rydych chi'n meddwl bod pobl yn cael eu gorfodi i weithio yn erbyn eu hewyllys neu'n cael eu camfanteisio arnynt. Does dim angen i chi roi eich enw.
report-danger = Os yw rhywun mewn perygl uniongyrchol, ffoniwch 999.
report-helpline = Gallwch hefyd ffonio'r Llinell Gymorth Caethwasiaeth Fodern a Chamfanteisio ar 08000 121 700, am ddim, unrhyw bryd. Gallant helpu mewn llawer o ieithoedd.
report-privacy = Nid ydym yn gofyn pwy ydych chi, ac nid ydym yn cofnodi eich enw, eich cyfeiriad rhyngrwyd nac unrhyw beth arall sy'n dangos pwy ydych chi.
report-required = Rhaid ateb y cwestiynau sydd wedi'u marcio (gofynnol).
required = (gofynnol)
optional = (dewisol)

venue-label = Pa fath o le yw e?
venue-choose = Dewiswch fath o le
venue-car_wash = Golchfa geir â llaw
venue-nail_bar = Bar ewinedd
venue-service_station = Gorsaf wasanaethau neu faes parcio lorïau
venue-farm = Fferm, gwaith maes neu dŷ pacio
venue-other = Rhywle arall

where-legend = Ble mae e?
where-hint = Rhowch god post, neu dref neu bentref, neu dewiswch y lle ar y map.
postcode-label = Cod post
postcode-hint = Er enghraifft PE13 1AA. Mae'r hanner cyntaf (PE13) yn ddigon.
town-label = Tref neu bentref
map-label = Map: cliciwch neu tapiwch i ddewis y lle. Mae'r map yn ddewisol.
lat-label = Lledred
lng-label = Hydred

when-label = Pryd welsoch chi e?
when-hint = Y diwrnod y gwelsoch chi e, neu mor agos ag y cofiwch chi.

seen-legend = Beth welsoch chi?
seen-hint = Ticiwch bopeth a welsoch chi. Mae'n iawn peidio â thicio dim.
indicator-no_ppe = Gweithwyr heb fenig, mygydau na dillad diogelwch
indicator-living_on_site = Pobl yn byw lle maen nhw'n gweithio
indicator-cash_only = Arian parod yn unig
indicator-no_receipt = Dim derbynneb yn cael ei rhoi
indicator-very_low_price = Prisiau sy'n llawer rhy isel
indicator-fearful_workers = Gweithwyr sy'n ymddangos yn ofnus neu na fyddant yn siarad
indicator-controlling_manager = Rhywun sy'n rheoli'r gweithwyr neu'n siarad drostynt
indicator-transported_in_groups = Gweithwyr yn cael eu cludo i'r gwaith ac yn ôl mewn grwpiau
indicator-id_withheld = Rhywun arall yn cadw pasbortau neu ddogfennau adnabod y gweithwyr
indicator-underage_workers = Gweithwyr sy'n edrych o dan 18 oed
indicator-signs_of_abuse = Anafiadau neu arwyddion o niwed
indicator-poor_accommodation = Tai gwael neu orlawn
indicator-long_hours = Oriau gwaith hir iawn
indicator-debt_bondage = Gweithwyr sydd mewn dyled i'r bobl maen nhw'n gweithio iddynt

exploitation-label = Pa fath o gamfanteisio ydych chi'n meddwl yw e?
exploitation-labour = Gwaith dan orfod
exploitation-sexual = Camfanteisio rhywiol
exploitation-criminal = Cael eu gorfodi i gyflawni troseddau
exploitation-domestic_servitude = Gwaith domestig dan orfod
exploitation-unknown = Dydw i ddim yn gwybod

details-label = Unrhyw beth arall rydych chi am ei ddweud wrthym
details-hint = Peidiwch ag ysgrifennu eich enw na'ch manylion cyswllt eich hun. Dim mwy na { $limit } nod.
honeypot-label = Gadewch y maes hwn yn wag
submit = Anfon yr adroddiad
pow-working = Yn gwirio mai person sydd yma, nid rhaglen. Mae hyn yn cymryd ychydig eiliadau…
pow-needs-js = Mae angen JavaScript ar y dudalen hon i anfon adroddiad. Os na allwch ei ddefnyddio, ffoniwch y llinell gymorth.

errors-title = Ni anfonwyd yr adroddiad
error-venue = Dewiswch pa fath o le yw e.
error-location = Rhowch god post, tref neu bentref, neu dewiswch y lle ar y map. Ni allem ddod o hyd i'r lle a roesoch.
error-date = Rhowch ddyddiad nad yw yn y dyfodol ac nad yw cyn 2000.
error-indicators = Dewiswch o'r rhestr.
error-details = Mae'r testun yn rhy hir.
error-exploitation = Dewiswch o'r rhestr.
error-expired = Roedd y dudalen ar agor yn rhy hir. Anfonwch yr adroddiad eto.
error-busy = Anfonwyd gormod o adroddiadau mewn amser byr. Arhoswch ychydig funudau a rhowch gynnig arall arni.
error-check = Ni orffennodd y gwiriad mai person sydd yma. Rhowch gynnig arall arni.

thanks-title = Diolch: anfonwyd eich adroddiad
thanks-body = Bydd swyddog hyfforddedig yn darllen eich adroddiad ac yn penderfynu beth i'w wneud ag ef. Ni allwn ateb, oherwydd nid ydym yn gwybod pwy ydych chi.
thanks-danger = Os yw unrhyw un mewn perygl uniongyrchol, ffoniwch 999.
thanks-another = Rhoi gwybod am rywbeth arall

concern-title = Cerdyn pryder newydd
concern-stored = Diolch: cafodd yr adroddiad ei gadw.
concern-duplicate = Roedd yr adroddiad hwn eisoes wedi'i gadw; ni ychwanegwyd dim.
concern-not-stored = Ni chafodd yr adroddiad ei gadw
venue-name-label = Enw'r lle
grid-ref-label = Cyfeirnod grid yr Arolwg Ordnans
grid-ref-hint = Er enghraifft TF 460 100: dwy lythyren, yna nifer eilrif o ffigurau.
where-hint-staff = Rhowch god post, tref neu bentref, neu gyfeirnod grid yr Arolwg Ordnans, neu dewiswch y lle ar y map.
concern-submit = Cadw'r adroddiad

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problem
problem-back = Yn ôl i'r map
problem-400 = Cais gwallus
problem-401 = Rhaid mewngofnodi
problem-403 = Dim caniatâd
problem-404 = Heb ei ganfod
problem-408 = Wedi cymryd gormod o amser
problem-413 = Rhy fawr
problem-429 = Gormod o geisiadau
problem-500 = Gwall gweinydd
problem-details = Y manylion, yn Saesneg:
