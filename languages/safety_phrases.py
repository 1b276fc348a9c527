"""Standard safety phrases, written and reviewed for plexcopilot, used verbatim.

A sentence of a step whose normalised English form is a key here is never machine translated: the text
below is shown as is. Keys are matched without their final full stop and ignoring case. Add a phrase only
with all shipped languages filled in and reviewed by a native speaker from the floor.
"""

SAFETY_PHRASES: dict[str, dict[str, str]] = {
    "Danger": {"es": "Peligro", "pl": "Niebezpieczeństwo", "vi": "Nguy hiểm", "pt": "Perigo"},
    "Warning": {"es": "Advertencia", "pl": "Ostrzeżenie", "vi": "Cảnh báo", "pt": "Aviso"},
    "Caution": {"es": "Precaución", "pl": "Uwaga", "vi": "Thận trọng", "pt": "Cuidado"},
    "Pinch point": {"es": "Punto de atrapamiento", "pl": "Miejsce zgniecenia", "vi": "Điểm kẹp", "pt": "Ponto de esmagamento"},
    "Hot surface": {"es": "Superficie caliente", "pl": "Gorąca powierzchnia", "vi": "Bề mặt nóng", "pt": "Superfície quente"},
    "Keep hands clear": {
        "es": "Mantenga las manos alejadas",
        "pl": "Trzymaj ręce z dala",
        "vi": "Giữ tay tránh xa",
        "pt": "Mantenha as mãos afastadas",
    },
    "Keep the area clear": {
        "es": "Mantenga el área despejada",
        "pl": "Utrzymuj obszar wolny od przeszkód",
        "vi": "Giữ khu vực thông thoáng",
        "pt": "Mantenha a área livre",
    },
    "Wear safety glasses": {
        "es": "Use gafas de seguridad",
        "pl": "Noś okulary ochronne",
        "vi": "Đeo kính bảo hộ",
        "pt": "Use óculos de segurança",
    },
    "Wear hearing protection": {
        "es": "Use protección auditiva",
        "pl": "Noś ochronniki słuchu",
        "vi": "Đeo thiết bị bảo vệ thính giác",
        "pt": "Use protetor auricular",
    },
    "Wear cut-resistant gloves": {
        "es": "Use guantes resistentes al corte",
        "pl": "Noś rękawice odporne na przecięcie",
        "vi": "Đeo găng tay chống cắt",
        "pt": "Use luvas resistentes a corte",
    },
    "Handle with gloves only": {
        "es": "Manipule solo con guantes",
        "pl": "Chwytaj wyłącznie w rękawicach",
        "vi": "Chỉ cầm nắm khi đeo găng tay",
        "pt": "Manuseie somente com luvas",
    },
    "Use the calibrated wrench only": {
        "es": "Use solo la llave calibrada",
        "pl": "Używaj wyłącznie skalibrowanego klucza",
        "vi": "Chỉ dùng cờ lê đã hiệu chuẩn",
        "pt": "Use somente a chave calibrada",
    },
    "Never bypass the light curtain": {
        "es": "Nunca anule la cortina de luz",
        "pl": "Nigdy nie omijaj kurtyny świetlnej",
        "vi": "Không bao giờ vô hiệu hóa màn chắn sáng",
        "pt": "Nunca anule a cortina de luz",
    },
    "Never bypass a safety device": {
        "es": "Nunca anule un dispositivo de seguridad",
        "pl": "Nigdy nie omijaj urządzenia zabezpieczającego",
        "vi": "Không bao giờ vô hiệu hóa thiết bị an toàn",
        "pt": "Nunca anule um dispositivo de segurança",
    },
    "Do not remove guards": {
        "es": "No retire las protecciones",
        "pl": "Nie zdejmuj osłon",
        "vi": "Không tháo các tấm che chắn bảo vệ",
        "pt": "Não remova as proteções",
    },
    "Never reach into a running machine": {
        "es": "Nunca meta las manos en una máquina en marcha",
        "pl": "Nigdy nie sięgaj do pracującej maszyny",
        "vi": "Không bao giờ đưa tay vào máy đang chạy",
        "pt": "Nunca coloque as mãos em uma máquina em funcionamento",
    },
    "Lock out and tag out before reaching into the machine": {
        "es": "Bloquee y etiquete antes de meter las manos en la máquina",
        "pl": "Przed sięgnięciem do maszyny zablokuj ją i oznakuj",
        "vi": "Khóa và treo thẻ trước khi đưa tay vào máy",
        "pt": "Bloqueie e etiquete antes de colocar as mãos na máquina",
    },
    "Lock out the machine before clearing a jam": {
        "es": "Bloquee la máquina antes de despejar un atasco",
        "pl": "Zablokuj maszynę przed usunięciem zacięcia",
        "vi": "Khóa máy trước khi gỡ kẹt",
        "pt": "Bloqueie a máquina antes de remover um travamento",
    },
    "Never place hands between the electrodes without lockout": {
        "es": "Nunca coloque las manos entre los electrodos sin bloqueo",
        "pl": "Nigdy nie wkładaj rąk między elektrody bez blokady",
        "vi": "Không bao giờ đặt tay giữa các điện cực khi chưa khóa máy",
        "pt": "Nunca coloque as mãos entre os eletrodos sem bloqueio",
    },
    "Do not run production": {
        "es": "No inicie la producción",
        "pl": "Nie uruchamiaj produkcji",
        "vi": "Không chạy sản xuất",
        "pt": "Não inicie a produção",
    },
    "Do not operate without training": {
        "es": "No opere sin capacitación",
        "pl": "Nie obsługuj bez przeszkolenia",
        "vi": "Không vận hành khi chưa được đào tạo",
        "pt": "Não opere sem treinamento",
    },
    "Call maintenance": {
        "es": "Llame a mantenimiento",
        "pl": "Wezwij dział utrzymania ruchu",
        "vi": "Gọi bộ phận bảo trì",
        "pt": "Chame a manutenção",
    },
    "Call your supervisor": {
        "es": "Llame a su supervisor",
        "pl": "Wezwij przełożonego",
        "vi": "Gọi người giám sát",
        "pt": "Chame o seu supervisor",
    },
    "Stop the machine and call your supervisor": {
        "es": "Detenga la máquina y llame a su supervisor",
        "pl": "Zatrzymaj maszynę i wezwij przełożonego",
        "vi": "Dừng máy và gọi người giám sát",
        "pt": "Pare a máquina e chame o seu supervisor",
    },
    "Report any injury to your supervisor immediately": {
        "es": "Informe de inmediato a su supervisor de cualquier lesión",
        "pl": "Natychmiast zgłoś przełożonemu każdy uraz",
        "vi": "Báo ngay cho người giám sát về mọi chấn thương",
        "pt": "Comunique imediatamente qualquer lesão ao seu supervisor",
    },
}  # fmt: skip

_BY_KEY = {english.casefold(): phrases for english, phrases in SAFETY_PHRASES.items()}


def safety_phrase(*, normalised: str, language: str) -> str | None:
    """The curated rendering of a standard safety phrase, or None."""
    phrases = _BY_KEY.get(normalised.casefold())
    return phrases.get(language) if phrases else None
