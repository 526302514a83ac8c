# Negeseuon staff: tudalennau ar ôl mewngofnodi.

triage-title = Adroddiadau cyhoeddus yn aros i'w brysbennu
triage-intro = Nid yw adroddiadau o'r dudalen adrodd gyhoeddus yn cyfrif mewn unrhyw fap, haen na thabl nes bod swyddog tactegol yn eu derbyn. Mae derbyn yn gosod beth yw'r adroddiad; mae gwrthod yn dweud pam.
triage-empty = Nid oes adroddiad cyhoeddus yn aros.
triage-received = Derbyniwyd
triage-language = Iaith
triage-report = Beth a adroddwyd
triage-decide = Penderfyniad
triage-accept = Derbyn
triage-reject = Gwrthod
triage-reason = Rheswm dros wrthod
triage-venue = Math o leoliad
triage-precision = Lleoliad a gedwir
triage-precision-as_given = Fel y'i rhoddwyd
triage-precision-outward = Ardal cod post yn unig
triage-precision-town = Tref yn unig
triage-grading = Graddio
triage-grading-none = Heb ei raddio
triage-accepted = Derbyniwyd adroddiad { $id } ac mae bellach yn cyfrif yn yr haenau.
triage-rejected = Gwrthodwyd adroddiad { $id }.
triage-decided = Roedd penderfyniad eisoes ar adroddiad { $id }.
triage-not-stored = Ni dderbyniwyd adroddiad { $id }: { $reason }
triage-waiting = { $count ->
    [zero] Nid oes adroddiadau'n aros.
    [one] Mae un adroddiad yn aros.
    [two] Mae dau adroddiad yn aros.
   *[other] Mae { $count } adroddiad yn aros.
}
triage-field-venue = Lleoliad
triage-field-where = Ble
triage-field-when = Pryd
triage-field-seen = Gwelwyd
triage-field-exploitation = Camfanteisio
triage-field-details = Manylion
triage-decided-title = Wedi'u penderfynu
triage-decided-caption = Adroddiadau cyhoeddus y penderfynwyd arnynt, y diweddaraf yn gyntaf (y 50 olaf)
triage-by = Gan
triage-status-accepted = Derbyniwyd
triage-status-rejected = Gwrthodwyd
triage-status-pending = Yn aros

## Closed vocabularies as staff read them (codes stay in the data)
label-car_wash = Golchfa ceir
label-nail_bar = Bar ewinedd
label-service_station = Gorsaf wasanaethau
label-farm = Fferm
label-other = Arall
label-labour = Llafur
label-sexual = Rhywiol
label-criminal = Troseddol
label-domestic_servitude = Caethwasanaeth domestig
label-unknown = Anhysbys
label-child = Plentyn
label-adult_or_unknown = Oedolyn neu heb ei gofnodi
label-mixed = Cymysg
label-not_recorded = Heb ei gofnodi
label-no_ppe = Dim cyfarpar diogelu
label-living_on_site = Byw ar y safle
label-cash_only = Arian parod yn unig
label-no_receipt = Dim derbynneb
label-very_low_price = Pris isel iawn
label-fearful_workers = Gweithwyr ofnus
label-controlling_manager = Rheolwr sy'n rheoli
label-transported_in_groups = Cludo mewn grwpiau
label-id_withheld = Dogfennau adnabod wedi'u cadw
label-underage_workers = Gweithwyr dan oed
label-signs_of_abuse = Arwyddion cam-drin
label-poor_accommodation = Llety gwael
label-long_hours = Oriau hir
label-debt_bondage = Caethiwed dyled

## Shared by the trend pages
generated = Crëwyd { $date } { $time }
withheld = wedi'i atal
fewer-than = llai na { $k }
this-quarter = Y chwarter hwn
previous = Blaenorol
year-before = Y flwyddyn cynt

## Towns page
towns-page-title = Trefi
towns-title-town = Tueddiadau trefi: { $quarter }
towns-title-district = Tueddiadau ardaloedd: { $quarter }
towns-meta-town = Nifer yr adroddiadau a leolwyd ym mhob tref · newid wedi'i brofi â phrawf Poisson union (binomaidd amodol)
towns-meta-district = Nifer yr adroddiadau a leolwyd ym mhob ardal · newid wedi'i brofi â phrawf Poisson union (binomaidd amodol)
towns-picker = Dewis y cyfnod
towns-quarter = Chwarter
towns-group-by = Grwpio yn ôl
towns-level-town = Tref
towns-level-district = Ardal
towns-show = Dangos
towns-force = Heddlu
towns-force-all = Y cyfan
towns-force-meta = Ardal yr heddlu: { $force } (rhesi ei threfi o'r tabl; dim cyfanswm heddlu)
towns-none = Dim adroddiadau eto.
towns-none-whole = Nid oes chwarter wedi dod i ben ers yr adroddiad cyntaf: mae'r tablau hyn o chwarteri cyfan.
towns-caption-town = Trefi, { $quarter }, y prysuraf yn gyntaf
towns-caption-district = Ardaloedd, { $quarter }, y prysuraf yn gyntaf
towns-change = Newid
towns-significance = Arwyddocâd
towns-spark-heading = Y { $count } chwarter diwethaf
towns-by-venue = Yn ôl lleoliad
towns-by-exploitation = Yn ôl camfanteisio
towns-sig-small = Heb ei ddangos (niferoedd bach)
towns-sig-rise = Cynnydd arwyddocaol
towns-sig-fall = Gostyngiad arwyddocaol
towns-sig-none = Dim newid clir
towns-sig-before-data = Dim data cynharach
towns-sig-running = Chwarter yn dal i redeg
towns-so-far = { $count } hyd yma
towns-quarter-running = { $quarter } (yn dal i redeg)
towns-running-note = Mae { $quarter } yn dal i redeg: mae ei niferoedd o'r adroddiadau a lwythwyd erbyn { $date }, ac nid ydynt yn cael eu cymharu â chwarteri cyfan (byddai rhan o chwarter yn edrych fel gostyngiad ym mhobman). Profir ei newidiadau unwaith y bydd wedi dod i ben.
towns-note = { $tested ->
        [0] Ni ellid profi unrhyw newid y chwarter hwn: nid oes gan unrhyw res 6 adroddiad neu fwy rhwng ei dau chwarter, neu nid yw'r data yn mynd yn ôl i'r chwarter cynt.
       *[other] Gelwir newid yn gynnydd neu'n ostyngiad dim ond pan fo'r prawf union o'i gymharu â'r chwarter blaenorol yn aros o dan p = 0.05 ar ôl ystyried pob un o'r { $tested } newid a brofwyd y chwarter hwn, rhesi pob heddlu (cyfradd darganfyddiadau ffug Benjamini–Hochberg: mae tabl o gant o resi yn dal tua phump â p < 0.05 drwy siawns). Anaml y mae niferoedd bach yn gymwys (nid ymchwydd yw 3 → 5); ni allai rhesi â llai na 6 adroddiad rhwng eu dau chwarter fyth fod yn gymwys, ac nid ydynt yn cael eu cyfrif.
    }
towns-spark = Niferoedd fesul chwarter: { $values }

## Partnership pack
pack-title = Pecyn partneriaeth: { $area }, { $quarter }
pack-page-title = Pecyn: { $area }, { $quarter }
pack-choose-title = Pecyn partneriaeth: dewiswch ardal
pack-choose-intro = Pecynnau ar gyfer { $quarter }, un ar gyfer pob ardal awdurdod lleol, o dan ardal ei heddlu.
pack-choose-no-force = Dim ardal heddlu
pack-choose-page-title = Pecyn partneriaeth
pack-meta = Adroddiadau a leolwyd yn { $area }. Ni ddangosir niferoedd o 1 i { $limit } ("<{ $k }"); profir newidiadau â phrawf Poisson union (binomaidd amodol).
pack-headline = Prif ffigurau
pack-this-quarter = Y chwarter hwn ({ $quarter })
pack-previous = Y chwarter blaenorol
pack-last-year = Yr un chwarter y llynedd
pack-change-last-year = Newid ers y llynedd
pack-summary = Crynodeb
pack-trend = Tuedd
pack-where = Ble: celloedd rhyddhau { $area }, { $quarter }
pack-dim-exploitation = Yn ôl math o gamfanteisio
pack-dim-child = Oedolyn neu blentyn
pack-dim-nationality = Yn ôl cenedligrwydd (y chwech a gofnodwyd amlaf; y gweddill fel arall)
pack-dim-venue = Yn ôl math o leoliad
pack-dim-source = Yn ôl ffynhonnell
pack-table-caption = { $heading }, { $quarter } o'i gymharu â'r chwarter blaenorol a blwyddyn ynghynt
pack-value = Gwerth
pack-change-test = Newid ers y llynedd (prawf union)
pack-all = Pob adroddiad
pack-sum-none-before = Cafodd { $area } { $count } o adroddiadau y chwarter hwn a dim un yn yr un chwarter y llynedd.
pack-sum-above = Roedd adroddiadau yn { $area } { $pct }% yn uwch na'r un chwarter y llynedd ({ $count } o'i gymharu â { $before }; p = { $p }), { $verdict }.
pack-sum-below = Roedd adroddiadau yn { $area } { $pct }% yn is na'r un chwarter y llynedd ({ $count } o'i gymharu â { $before }; p = { $p }), { $verdict }.
pack-sum-same = Roedd adroddiadau yn { $area } yr un fath â'r un chwarter y llynedd ({ $count } o'i gymharu â { $before }; p = { $p }), { $verdict }.
pack-verdict-change = newid y mae'r prawf union yn ei gael yn annhebygol o fod yn siawns
pack-verdict-chance = o fewn yr hyn y gallai siawns yn unig ei roi
pack-sum-venue-rise = Adroddiadau mewn lleoliadau { $value } oedd y rhan fwyaf o'r cynnydd ({ $change }).
pack-sum-venue-fall = Adroddiadau mewn lleoliadau { $value } oedd y rhan fwyaf o'r gostyngiad ({ $change }).
pack-sum-exploitation-rise = Camfanteisio { $value } oedd y rhan fwyaf o'r cynnydd ({ $change }).
pack-sum-exploitation-fall = Camfanteisio { $value } oedd y rhan fwyaf o'r gostyngiad ({ $change }).
pack-sum-too-few = Roedd adroddiadau yn { $area } y chwarter hwn yn rhy ychydig i'w dangos.
pack-sum-too-few-before = Roedd gan yr un chwarter y llynedd rhy ychydig o adroddiadau i gymharu â nhw.
pack-sum-before-data = Nid yw'r cofnodion yn mynd yn ôl i'r un chwarter y llynedd, felly nid oes dim i gymharu ag ef.
pack-trend-title = Adroddiadau fesul chwarter, y { $count } chwarter diwethaf
pack-trend-caption = Adroddiadau fesul chwarter. { $values }.
pack-map-none = Nid oedd gan unrhyw gell yn yr ardal adroddiadau y chwarter hwn.
pack-map-title = Celloedd ag adroddiadau
pack-map-desc = { $count } o gelloedd ag adroddiadau; { $withheld } â llai na { $k }.
pack-map-caption = { $count } o gelloedd H3 ag adroddiadau, { $withheld } ohonynt â llai na { $k } (llinell doriad)
pack-map-busiest = ; mae gan y prysuraf { $value }
pack-map-shading = . Graddliwio:
pack-map-under-10 = llai na 10
pack-map-20-more = 20 neu fwy
pack-map-cell = Cell { $id }: { $value }

## Map page
map-page-title = Map
map-filters = Hidlwyr y map
map-period = Cyfnod
map-from = O
map-to = I
map-quick = Cyfnodau cyflym
map-last-3 = Y 3 mis diwethaf
map-last-6 = Y 6 mis diwethaf
map-last-12 = Y 12 mis diwethaf
map-all = Y cyfan
map-playback = Chwarae'n ôl
map-month-back = ◀ Mis
map-month-forward = Mis ▶
map-play = Chwarae
map-pause = Oedi
map-release-note = Golwg partneriaeth: un chwarter calendr ar y tro (y chwarter sy'n cynnwys y dyddiad 'I'), pob adroddiad, cydraniad { $res }; mae niferoedd o 1 i { $limit } wedi'u hatal, ac mae gan bob man poeth { $k } adroddiad neu fwy yn ei gylch.
map-venues = Mathau o leoliad
map-exploitations = Mathau o gamfanteisio
map-show = Dangos
map-layer = Haen
map-layer-hotspots = Mannau poeth (Gi*)
map-layer-emerging = Mannau poeth sy'n dod i'r amlwg
map-weight = Pwysoliad
map-weight-count = Nifer yr adroddiadau
map-weight-risk = Risg (yn ôl dangosyddion)
map-points = Pwyntiau adroddiadau
map-context = Troseddau a gofnodwyd (police.uk)
map-advanced = Uwch
map-study-area = Ardal yr astudiaeth
map-study-area-data = O amgylch pob adroddiad
map-resolution = Cydraniad
map-k = Cylchoedd cymdogaeth (k)
map-kernel = Cnewyllyn
map-kernel-uniform = unffurf
map-kernel-triangular = trionglog
map-kernel-gaussian = Gaussaidd
map-fdr = Cywiriad cyfradd darganfod ffug
map-min-reports = Lleiaf o adroddiadau o fewn cylch cell boeth (1: Gi* yn unig)
map-step = Mannau poeth sy'n dod i'r amlwg: cam amser
map-step-month = mis
map-step-quarter = chwarter
map-lag = Camau cynharach ym mhob cymdogaeth sy'n dod i'r amlwg (0: pob cam ar ei ben ei hun)
map-apply = Cymhwyso
map-download = Lawrlwytho'r olwg hon:
map-region = Map o fannau poeth
map-close-panel = Cau'r panel
map-legend = Allwedd
map-changes-release = Newydd neu'n dwysáu yn y chwarter a ryddhawyd
map-changes-release-note = Mae'r datganiad yn enwi'r celloedd a newidiodd, heb eu niferoedd.
map-changes-quarter = Newydd neu'n dwysáu ers y chwarter diwethaf
map-changes-month = Newydd neu'n dwysáu ers y mis diwethaf
map-areas = Ardaloedd mannau poeth
map-areas-caption = Ardaloedd mannau poeth y map, y cryfaf yn gyntaf. Mae enw lle yn agor ei ardal yn y panel ochr.
map-near = Ger
map-confidence = Hyder
map-reports = Adroddiadau
map-retry = Rhoi cynnig arall arni
# Written by the page's script; { $name } becomes the script's value.
map-bin-3 = Man poeth, hyder 99%
map-bin-2 = Man poeth, 95%
map-bin-1 = Man poeth, 90%
map-bin-0 = Ddim yn arwyddocaol
map-bin-m1 = Man oer, 90%
map-bin-m2 = Man oer, 95%
map-bin-m3 = Man oer, 99%
map-layer-failed = Methu llwytho'r haen { $layer }: { $reason }
map-server-answered = atebodd y gweinydd { $status }
map-loading = Wrthi'n llwytho…
map-layers-failed = Methu llwytho'r haenau: { $reason }
map-summary = { $areas } ardal man poeth · ardal astudio { $cells } cell · data { $from } i { $to }
map-basemap-failed = dim map sylfaen ({ $reason })
map-drawn = { $count } cell wedi'u lluniadu
map-legend-area = Ardal man poeth (celloedd cysylltiedig, bin ≥ 2, { $count } adroddiad neu fwy)
map-legend-area-any = Ardal man poeth (celloedd cysylltiedig, bin ≥ 2)
map-method = Getis-Ord Gi*, cnewyllyn { $kernel }, k = { $k }
map-fdr-on = wedi'i gywiro ar gyfer FDR
map-fdr-off = dim cywiriad FDR
map-hot-rule = mae gan gell boeth { $count } adroddiad neu fwy o fewn ei chylch
map-changes-failed = Methu rhestru'r newidiadau ar gyfer yr olwg hon.
map-changes-none = Dim byd newydd nac yn dwysáu.
map-changes-steps = Misoedd cyfan a gymharwyd: { $first } i { $last }
map-changes-steps-quarter = Chwarteri cyfan a gymharwyd: { $first } i { $last }
map-one-report = 1 adroddiad
map-n-reports = { $count } adroddiad
map-n-cells = { $count } cell
map-withheld = wedi'i atal
map-emerging-cell = Cell sy'n dod i'r amlwg { $cell }
map-areas-none = Dim ardal man poeth yn yr olwg hon.
map-show-area = Dangos yr ardal ger { $place }
map-briefing = Sesiwn friffio diwrnod gweithredu ar gyfer yr ardal hon
map-change-near = { $category } ger { $place }
map-crosses = Yn croesi ffiniau dosbarth: { $values }
map-crosses-forces = Yn croesi ffiniau heddlu: { $values }
map-trend-rising = Yn codi fis ar ôl mis dros { $months } mis (Mann-Kendall p { $p })
map-trend-falling = Yn gostwng fis ar ôl mis dros { $months } mis (Mann-Kendall p { $p })
map-trend-none = Dim tuedd glir dros { $months } mis (Mann-Kendall p { $p })
map-area-near = Ardal man poeth ger { $place }
place-from = { $place }, { $km } km i'r { $direction }
dir-n = gogledd
dir-ne = gogledd-ddwyrain
dir-e = dwyrain
dir-se = de-ddwyrain
dir-s = de
dir-sw = de-orllewin
dir-w = gorllewin
dir-nw = gogledd-orllewin
map-in-period = { $count } adroddiad yn y cyfnod
map-context-line = Troseddau a gofnodwyd (police.uk): { $count }
map-by-venue = Yn ôl lleoliad
map-indicators = Dangosyddion
map-newest = Adroddiadau (y { $count } diweddaraf)
map-cell = Cell { $cell }
map-ring-reports = { $count } gyda'i chymdogion
map-panel-ring = { $count } adroddiad yn y gell a'i chymdogion
map-panel-trend = Tuedd (Mann-Kendall) z = { $z }, p = { $p }
map-category-cell = Cell { $category } { $cell }
map-by-month = Adroddiadau fesul mis: { $values }
map-cat-new_hot = man poeth newydd
map-cat-consecutive_hot = man poeth olynol
map-cat-intensifying_hot = man poeth yn dwysáu
map-cat-persistent_hot = man poeth parhaus
map-cat-diminishing_hot = man poeth yn lleihau
map-cat-sporadic_hot = man poeth achlysurol
map-cat-oscillating_hot = man poeth osgiliadol
map-cat-historical_hot = man poeth hanesyddol
map-cat-new_cold = man oer newydd
map-cat-consecutive_cold = man oer olynol
map-cat-intensifying_cold = man oer yn dwysáu
map-cat-persistent_cold = man oer parhaus
map-cat-diminishing_cold = man oer yn lleihau
map-cat-sporadic_cold = man oer achlysurol
map-cat-oscillating_cold = man oer osgiliadol
map-cat-historical_cold = man oer hanesyddol
map-cat-none = dim patrwm

## Premises pages
label-no_concerns = Dim pryderon
label-concerns_no_action = Pryderon, dim camau
label-indicators_confirmed = Dangosyddion wedi'u cadarnhau
label-victims_identified = Dioddefwyr wedi'u hadnabod
prem-bin-coarse = rhy fras
prem-bin-hot = poeth ({ $bin })
prem-bin-cold = oer ({ $bin })
prem-bin-none = ddim yn arwyddocaol
prem-title = Safleoedd a adroddwyd fwy nag unwaith
prem-intro = Safleoedd a adroddwyd fwy nag unwaith, gyda'r adroddiadau sy'n gysylltiedig â nhw. Mae pob cysylltiad yn dweud pam y'i gwnaed; ni chyfatebodd safle a wnaed o adroddiadau i unrhyw safle cofrestredig, ond cyfatebodd sawl adroddiad i'w gilydd.
prem-from = O
prem-to = i
prem-venue = Lleoliad
prem-any = unrhyw un
prem-at-least = O leiaf
prem-reports-word = adroddiad
prem-sort = Trefnu yn ôl
prem-sort-reports = adroddiadau
prem-sort-incidents = digwyddiadau
prem-sort-sources = ffynonellau
prem-sort-last_seen = gwelwyd ddiwethaf
prem-sort-velocity = cyflymder
prem-sort-name = enw
prem-show = Dangos
prem-count = { $count } safle. Lawrlwytho:
prem-caption = Safleoedd yn ôl { $sort }
prem-col-premises = Safle
prem-col-near = Ger
prem-col-venue = Lleoliad
prem-col-reports = Adroddiadau
prem-col-incidents = Digwyddiadau
prem-col-sources = Ffynonellau
prem-col-last-seen = Gwelwyd ddiwethaf
prem-col-90 = Y 90 diwrnod diwethaf (y 90 blaenorol)
prem-col-indicators = Prif ddangosyddion
prem-col-cell = Cell
prem-col-visit = Ymweliad diwethaf
prem-no-name = (dim enw)
prem-made-from-reports = (wedi'i wneud o adroddiadau)
prem-none = dim
prem-all = ← Pob safle
prem-id = Dynodydd
prem-venue-type = Math o leoliad
prem-address = Cyfeiriad
prem-status = Statws
prem-origin = Tarddiad
prem-origin-reports = wedi'i wneud o adroddiadau
prem-origin-register = cofrestr
prem-merged-into = Wedi'i gyfuno â
prem-reports-line = { $reports } mewn { $incidents } digwyddiad, o { $sources } ffynhonnell
prem-first-last = Gwelwyd gyntaf a diwethaf
prem-median-days = Canolrif y dyddiau rhwng adroddiadau
prem-class = Dosbarth man poeth ei gell
prem-visits = Ymweliadau
prem-visits-line = { $count ->
    [one] Un ymweliad
   *[other] { $count } ymweliad
}, canfu { $positive } gamfanteisio; yr olaf { $last }
prem-timeline = Llinell amser
prem-timeline-caption = Adroddiadau sy'n gysylltiedig â'r safle hwn, ac ymweliadau, yr hynaf yn gyntaf
prem-date = Dyddiad
prem-what = Beth
prem-detail = Manylion
prem-report = Adroddiad { $source } { $id }
prem-linked = cysylltwyd: { $reason }
prem-not-this = Nid y safle hwn
prem-visit = Ymweliad { $id }
prem-potential-victims-line = dioddefwyr posibl { $count }
prem-merge-title = Yr un lle, dynodydd arall?
prem-merge-label = Cyfuno safle
prem-merge-into = â'r un hwn
prem-merge = Cyfuno
prem-merge-hint = Mae ei adroddiadau a'i ymweliadau'n cyfrif yma o hyn ymlaen; mae ail-gysylltu'n cadw'r penderfyniad. Fe'i cofnodir yn y log archwilio.
prem-record-title = Cofnodi ymweliad
prem-recorded = Ymweliad wedi'i gofnodi.
prem-visit-id = Dynodydd yr ymweliad
prem-visit-date = Dyddiad
prem-operation = Ymgyrch
prem-result = Canlyniad
prem-potential_victims = Dioddefwyr posibl
prem-nrm_referrals = Atgyfeiriadau NRM
prem-arrests = Arestiadau
prem-safeguarding_referrals = Atgyfeiriadau diogelu
prem-notes = Nodiadau
prem-record = Cofnodi ymweliad

## Outcomes page
out-page-title = Canlyniadau
out-title = A yw'r map yn ein hanfon i'r lleoedd iawn?
out-intro = Caiff pob ymweliad ei ddosbarthu yn ôl y map mannau poeth fel yr oedd y diwrnod cyn yr ymweliad (Gi* dros adroddiadau'r { $days } diwrnod cynt; nid yw dim a adroddwyd ar ddiwrnod yr ymweliad neu wedyn yn cyfrif, oherwydd byddai adroddiad a ysgogwyd gan yr ymweliad ei hun yn gwneud i'r map edrych yn well nag ydyw). Mae ymweliad yn gadarnhaol pan gadarnhaodd ddangosyddion neu adnabod dioddefwyr. Cyfwng 95% Wilson yw'r cyfwng: gydag ychydig o ymweliadau mae'n llydan.
out-from = Ymweliadau o
out-to = i
out-window = Ffenestr y map (dyddiau)
out-by-class = Yn ôl dosbarth man poeth
out-class-caption = Ymweliadau a chanfyddiadau yn ôl dosbarth man poeth
out-class = Dosbarth
out-visits = Ymweliadau
out-positive = Cadarnhaol
out-rate = Cyfradd llwyddo
out-interval = Cyfwng 95%
out-hot = Poeth (biniau +1 i +3)
out-not-hot = Ddim yn boeth (biniau −3 i 0)
out-bin = bin { $bin }
out-compare = Daeth ymweliadau â chelloedd poeth o hyd i gamfanteisio { $ratio } gwaith mor aml â'r ymweliadau eraill (cyfwng 95% { $lo } i { $hi }; prawf union Fisher p { $p }).
out-compare-hot-none = Ni ddaeth unrhyw ymweliad â chell boeth o hyd i gamfanteisio, o'i gymharu â { $other } o'r ymweliadau eraill (prawf union Fisher p { $p }).
out-compare-other-none = Daeth { $hot } o'r ymweliadau â chelloedd poeth o hyd i gamfanteisio, ac ni ddaeth yr ymweliadau eraill o hyd iddo o gwbl (prawf union Fisher p { $p }).
out-compare-neither = Ni ddaeth yr ymweliadau â chelloedd poeth na'r lleill o hyd i gamfanteisio: nid oes dim i'w gymharu.
out-compare-no-visits = Heb ei gymharu: nid oes gan y cyfnod ymweliadau â chelloedd poeth, neu ddim ymweliadau mewn mannau eraill.
out-compare-chance-unlikely = Anaml y byddai gwahaniaeth mor fawr â hyn yn codi ar hap (p o dan 0.05).
out-compare-chance-possible = Gyda chymaint â hyn o ymweliadau, gallai gwahaniaeth o'r maint hwn godi ar hap (p o 0.05 neu fwy).
out-compare-caveat = Swyddogion sy'n dewis ble i ymweld, felly mae hyn yn cymharu'r lleoedd yr aethant iddynt, nid pob lle y mae'r map yn ei nodi.
out-by-category = Yn ôl categori sy'n dod i'r amlwg
out-category-caption = Yn ôl categori man poeth sy'n dod i'r amlwg cell yr ymweliad
out-category = Categori
out-pai = Mynegai Cywirdeb Rhagfynegol (PAI)
out-pai-text = O'r ymweliadau cadarnhaol, roedd { $positive } mewn celloedd a oedd yn boeth ar y map y diwrnod cyn i'r cyfnod ddechrau; roedd y celloedd hynny'n { $area } o'r ardal astudio. PAI = { $pai } (uwch nag 1: mae canfyddiadau'n crynhoi yn y celloedd poeth yn fwy nag y byddai eu harwynebedd yn ei ragweld).
out-areas = Ardaloedd mannau poeth a'u hymweliadau
out-areas-intro = Ardaloedd mannau poeth map yr adroddiadau o { $from } i { $to }, y cryfaf yn gyntaf, gydag ymweliadau'r cyfnod yng nghelloedd pob ardal ei hun.
out-areas-unvisited = { $areas ->
    [0] Nid oes ardal man poeth ar fap y dyddiau hynny.
    [one] { $count ->
        [0] Mae'r un ardal wedi cael ymweliad.
       *[other] Nid yw'r un ardal wedi cael ymweliad.
    }
   *[other] Nid yw { $count } o'r { $areas } ardal wedi cael ymweliad.
}
out-areas-caption = Ardaloedd mannau poeth, y cryfaf yn gyntaf, a'r ymweliadau a wnaed ynddynt
out-area = Ardal
out-confidence = Hyder
out-no-reports = dim adroddiadau yn y ffenestr
out-pai-none = Heb ei ddiffinio: dim ymweliadau cadarnhaol yn y cyfnod, neu ddim celloedd poeth.
out-unplaced = Lleolwyd { $count } ymweliad yn rhy fras ar gyfer cydraniad y map ac nid ydynt yn cyfrif.

## Briefing
brief-page-title = Sesiwn friffio
brief-title = Sesiwn friffio diwrnod gweithredu: { $area }
brief-district = Dosbarth { $place }
brief-area-ref = Cyfeirnod yr ardal: { $id }
brief-force = Ardal yr heddlu: { $values }
brief-forces = Ardaloedd heddlu: { $values }. Mae'r ardal yn croesi ffin heddlu: cytunwch â phob heddlu pwy sy'n arwain ar y diwrnod.
brief-all-reports = pob adroddiad
brief-first = yr adroddiad cyntaf
brief-last = yr adroddiad diwethaf
brief-period = { $from } i { $to }
brief-meta = Adroddiadau: { $period }. Map: Gi* ar gydraniad H3 { $res } ({ $hot } o { $cells } cell yn boeth). Crëwyd { $when } gan { $user }. SWYDDOGOL-SENSITIF: ar gyfer briffio'r ymgyrch yn unig.
brief-map = Map o gelloedd yr ardal yn ôl hyder man poeth, safleoedd wedi'u rhifo fel yn y tabl
brief-nothing = Dim i'w luniadu: nid oes gan yr ardal gelloedd ar y cydraniad hwn.
brief-legend = Celloedd: coch tywyll 99%, oren 95%, pinc 90% hyder poeth; glas oer; llwyd ddim yn arwyddocaol. Rhifau: safleoedd yn y tabl. Sgwariau gwyn: canol trefi a phentrefi.
brief-legend-districts = Llinell doredig: ffin dosbarth.
brief-legend-forces = Llinell doredig: ffin dosbarth; llinell ddu solet: ffin heddlu.
brief-region = Safleoedd yn yr ardal
brief-caption = Safleoedd yn yr ardal, y mwyaf a adroddwyd yn gyntaf
brief-visits = Ymweliadau yma o'r blaen
brief-visits-summary = { $count ->
    [one] Un ymweliad, ar { $first }: { $positive ->
        [0] ni chanfu gamfanteisio
       *[other] canfu gamfanteisio
    }.
   *[other] { $count } ymweliad o { $first } i { $last }: canfu { $positive } gamfanteisio ({ $pct }, cyfwng 95% { $lo } i { $hi }).
}
brief-visits-referrals = Dioddefwyr posibl { $victims }, atgyfeiriadau NRM { $nrm }, atgyfeiriadau diogelu { $safeguarding }, arestiadau { $arrests }.
brief-visits-caption = Ymweliadau yng nghelloedd y sesiwn friffio, y diweddaraf yn gyntaf
brief-visits-more = Ni restrir { $count } ymweliad cynharach.
brief-visits-none = Nid oes ymweliad wedi'i gofnodi yng nghelloedd y sesiwn friffio.
brief-choose-title = Sesiwn friffio diwrnod gweithredu: dewiswch ardal
brief-choose-intro = Mae sesiwn friffio'n argraffu celloedd yr ardal yn ôl hyder man poeth a'i safleoedd, y mwyaf a adroddwyd yn gyntaf. Dewiswch ardal man poeth o'r map (ei olwg ddiofyn) neu ardal.
brief-choose-districts = Ardaloedd, y prysuraf yn y chwarter diweddaraf yn gyntaf
brief-more = Ni restrir { $count } safle arall.

## Administration
admin-title = Gweinyddu
admin-audit-link = Log archwilio
admin-users = Defnyddwyr
admin-accounts = Cyfrifon
admin-name = Enw
admin-role = Rôl
admin-status = Statws
admin-created = Crëwyd
admin-action = Gweithred
admin-disabled = wedi'i analluogi
admin-active = gweithredol
admin-enable = Galluogi
admin-disable = Analluogi
admin-add-user = Ychwanegu defnyddiwr
admin-password-hint = Caiff cyfrinair ei gynhyrchu a'i ddangos unwaith.
admin-add = Ychwanegu
admin-tokens = Tocynnau API
admin-id = Dynodydd
admin-user = Defnyddiwr
admin-label = Label
admin-expires = Yn dod i ben
admin-revoked = wedi'i ddiddymu
admin-expired = wedi dod i ben
admin-live = byw
admin-revoke = Diddymu
admin-create-token = Creu tocyn
admin-days = Dyddiau'n ddilys
admin-create = Creu
audit-title = Log archwilio
audit-filter = Hidlo'r log archwilio
audit-who = Pwy
audit-from = O
audit-to = I
audit-filter-button = Hidlo
audit-csv = Lawrlwytho fel CSV
audit-shown = y diweddaraf yn gyntaf, hyd at 1,000 yn cael eu dangos
audit-when = Pryd (UTC)
audit-target = Targed
audit-detail = Manylion
audit-rows = Rhesi
audit-address = Cyfeiriad
audit-outcome = Canlyniad

## Sign-in
signin-title = Mewngofnodi
signin-name = Enw
signin-password = Cyfrinair
signin-button = Mewngofnodi
signin-throttled = Gormod o ymdrechion aflwyddiannus i fewngofnodi. Arhoswch a rhowch gynnig arall arni.
signin-failed = Nid yw'r enw a'r cyfrinair hwnnw'n cyfateb i gyfrif gweithredol.
signin-expired = Roedd y ffurflen fewngofnodi hon wedi dod i ben. Rhowch eich enw a'ch cyfrinair eto.
