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
