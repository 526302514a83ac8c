# Komunikaty publiczne: strona zgłoszeń, karta zgłoszenia i ramka strony.

site-name = hotspots
skip-to-content = Przejdź do głównej treści
language = Język
date-long = { $day } { $month } { $year }
month-1 = stycznia
month-2 = lutego
month-3 = marca
month-4 = kwietnia
month-5 = maja
month-6 = czerwca
month-7 = lipca
month-8 = sierpnia
month-9 = września
month-10 = października
month-11 = listopada
month-12 = grudnia

nav-main = Główne
nav-map = Mapa
nav-towns = Miasta
nav-new-report = Nowe zgłoszenie
nav-triage = Selekcja
nav-api = API
nav-premises = Lokale
nav-outcomes = Wyniki
nav-briefing = Odprawa
nav-loads = Importy
nav-admin = Administracja
sign-out = Wyloguj
nav-report = Zgłoś problem

report-title = Zgłoś podejrzenie wyzysku
report-intro = Opowiedz nam o miejscu, w którym Twoim zdaniem ludzie są zmuszani do pracy wbrew swojej woli lub są wykorzystywani. Nie musisz podawać swojego imienia i nazwiska.
report-danger = Jeśli komuś grozi bezpośrednie niebezpieczeństwo, zadzwoń pod 999.
report-helpline = Możesz też zadzwonić bezpłatnie o każdej porze na infolinię ds. współczesnego niewolnictwa i wyzysku: 08000 121 700. Pomoc jest dostępna w wielu językach.
report-privacy = Nie pytamy, kim jesteś, i nie zapisujemy Twojego imienia, adresu internetowego ani niczego, co mogłoby Cię zidentyfikować.
report-required = Na pytania oznaczone (wymagane) trzeba odpowiedzieć.
required = (wymagane)
optional = (opcjonalne)

venue-label = Jakie to miejsce?
venue-choose = Wybierz rodzaj miejsca
venue-car_wash = Ręczna myjnia samochodowa
venue-nail_bar = Salon paznokci
venue-service_station = Stacja paliw lub parking dla ciężarówek
venue-farm = Gospodarstwo rolne, praca w polu lub pakownia
venue-other = Inne miejsce

where-legend = Gdzie to jest?
where-hint = Podaj kod pocztowy, miasto lub wieś albo wskaż miejsce na mapie.
postcode-label = Kod pocztowy
postcode-hint = Na przykład PE13 1AA. Wystarczy pierwsza część (PE13).
town-label = Miasto lub wieś
map-label = Mapa: kliknij lub dotknij, aby wskazać miejsce. Mapa jest opcjonalna.
lat-label = Szerokość geograficzna
lng-label = Długość geograficzna

when-label = Kiedy to widziałeś/widziałaś?
when-hint = Dzień, w którym to widziałeś/widziałaś, lub najbliższy, jaki pamiętasz.

seen-legend = Co widziałeś/widziałaś?
seen-hint = Zaznacz wszystko, co widziałeś/widziałaś. Można nie zaznaczać niczego.
indicator-no_ppe = Pracownicy bez rękawic, masek lub odzieży ochronnej
indicator-living_on_site = Ludzie mieszkający w miejscu pracy
indicator-cash_only = Przyjmowana jest tylko gotówka
indicator-no_receipt = Nie wydaje się paragonu
indicator-very_low_price = Ceny zdecydowanie za niskie
indicator-fearful_workers = Pracownicy wyglądają na przestraszonych lub nie chcą rozmawiać
indicator-controlling_manager = Ktoś kontroluje pracowników lub mówi w ich imieniu
indicator-transported_in_groups = Pracownicy są przywożeni i odwożeni z pracy grupami
indicator-id_withheld = Ktoś inny przechowuje paszporty lub dokumenty pracowników
indicator-underage_workers = Pracownicy, którzy wyglądają na osoby poniżej 18 lat
indicator-signs_of_abuse = Obrażenia lub ślady krzywdy
indicator-poor_accommodation = Złe lub przepełnione zakwaterowanie
indicator-long_hours = Bardzo długie godziny pracy
indicator-debt_bondage = Pracownicy zadłużeni u osób, dla których pracują

exploitation-label = Jaki to Twoim zdaniem rodzaj wyzysku?
exploitation-labour = Praca przymusowa
exploitation-sexual = Wykorzystywanie seksualne
exploitation-criminal = Zmuszanie do popełniania przestępstw
exploitation-domestic_servitude = Przymusowa praca domowa
exploitation-unknown = Nie wiem

details-label = Co jeszcze chcesz nam powiedzieć
details-hint = Prosimy nie wpisywać swojego imienia ani danych kontaktowych. Najwyżej { $limit } znaków.
honeypot-label = Pozostaw to pole puste
submit = Wyślij zgłoszenie
pow-working = Sprawdzamy, czy to człowiek, a nie program. To potrwa kilka sekund…
pow-needs-js = Do wysłania zgłoszenia ta strona potrzebuje JavaScriptu. Jeśli nie możesz go użyć, zadzwoń na infolinię.

errors-title = Zgłoszenie nie zostało wysłane
error-venue = Wybierz rodzaj miejsca.
error-location = Podaj kod pocztowy, miasto lub wieś albo wskaż miejsce na mapie. Nie udało się znaleźć podanego miejsca.
error-date = Podaj datę, która nie jest w przyszłości i nie jest wcześniejsza niż rok 2000.
error-indicators = Wybierz z listy.
error-details = Tekst jest za długi.
error-exploitation = Wybierz z listy.
error-expired = Strona była otwarta zbyt długo. Wyślij zgłoszenie ponownie.
error-busy = W krótkim czasie wysłano zbyt wiele zgłoszeń. Odczekaj kilka minut i spróbuj ponownie.
error-check = Sprawdzenie, czy to człowiek, nie zostało ukończone. Spróbuj ponownie.

thanks-title = Dziękujemy: Twoje zgłoszenie zostało wysłane
thanks-body = Twoje zgłoszenie przeczyta przeszkolony funkcjonariusz, który zdecyduje, co dalej. Nie możemy Ci odpowiedzieć, ponieważ nie wiemy, kim jesteś.
thanks-danger = Jeśli komuś grozi bezpośrednie niebezpieczeństwo, zadzwoń pod 999.
thanks-another = Zgłoś coś innego

concern-title = Nowa karta zgłoszenia
concern-stored = Dziękujemy: zgłoszenie zostało zapisane.
concern-duplicate = To zgłoszenie było już zapisane; nic nie dodano.
concern-not-stored = Zgłoszenie nie zostało zapisane
venue-name-label = Nazwa miejsca
grid-ref-label = Współrzędne siatki OS (Ordnance Survey)
grid-ref-hint = Na przykład TF 460 100: dwie litery, a po nich parzysta liczba cyfr.
where-hint-staff = Podaj kod pocztowy, miasto lub wieś, współrzędne siatki OS albo wskaż miejsce na mapie.
concern-submit = Zapisz zgłoszenie

## Problem pages (the detail stays in English: it names fields and values)
problem-title = Problem
problem-back = Powrót do mapy
problem-400 = Nieprawidłowe żądanie
problem-401 = Wymagane logowanie
problem-403 = Brak dostępu
problem-404 = Nie znaleziono
problem-408 = Trwało to zbyt długo
problem-413 = Za duże
problem-429 = Zbyt wiele żądań
problem-500 = Błąd serwera
problem-details = Szczegóły, po angielsku:
