"""Texts of the readiness check (keys start with ``checks.``): every message and
remediation hint of the catalogue, and the ``appliance check`` command.

A hint says what to do, concretely, in the room: which cable, which button, which
setting, then "run the check again". ``{device}`` is the configured id (cam1, mic1, main).
"""

from __future__ import annotations

from appliance.i18n import register

_AGAIN_VI = "rồi chạy lại kiểm tra"
_AGAIN_EN = "then run the check again"

register(
    {
        # -- engine ------------------------------------------------------------------------
        "checks.blocked": {
            "vi": "Chưa kiểm tra được: mục {item} chưa đạt",
            "en": "Not checked: {item} did not pass",
        },
        "checks.error.device": {"vi": "Lỗi thiết bị: {error}", "en": "Device error: {error}"},
        "checks.error.timeout": {
            "vi": "Không xong trong {seconds} giây",
            "en": "Did not finish within {seconds} s",
        },
        "checks.error.internal": {
            "vi": "Lỗi nội bộ của mục kiểm tra: {error}",
            "en": "Internal error in this check: {error}",
        },
        "checks.error.disk_full": {
            "vi": "Đĩa đầy: không ghi được {path}",
            "en": "The disk is full: cannot write {path}",
        },
        "checks.history.unsaved": {
            "vi": "Kết quả này chưa được lưu vào lịch sử ({path}): {error}",
            "en": "This result was not saved in the history ({path}): {error}",
        },
        "checks.history.unsaved.disk_full": {
            "vi": "Đĩa đầy: kết quả này chưa được lưu vào lịch sử ({path}) và sẽ mất khi dịch vụ khởi động lại",
            "en": "The disk is full: this result was not saved in the history ({path}) and will be lost when the service restarts",
        },
        "checks.hint.device": {
            "vi": f"Kiểm tra nguồn và cáp của {{device}}, {_AGAIN_VI}",
            "en": f"Check the power and cables of {{device}}, {_AGAIN_EN}",
        },
        "checks.hint.internal": {
            "vi": "Báo cho bộ phận CNTT kèm nhật ký của dịch vụ appliance-agent",
            "en": "Report this to IT with the appliance-agent service log",
        },
        # -- cameras -----------------------------------------------------------------------
        "checks.camera.hint.serial": {
            "vi": f"Kiểm tra cáp RS-232 ({{port}}) và nguồn camera {{device}}, {_AGAIN_VI}",
            "en": f"Check the RS-232 cable ({{port}}) and the power of camera {{device}}, {_AGAIN_EN}",
        },
        "checks.camera.hint.network": {
            "vi": f"Kiểm tra cáp mạng, địa chỉ {{url}} và nguồn camera {{device}}, {_AGAIN_VI}",
            "en": f"Check the network cable, the address {{url}} and the power of camera {{device}}, {_AGAIN_EN}",
        },
        "checks.camera.link.down": {
            "vi": "Không kết nối được camera {device} qua {link}: {error}",
            "en": "Cannot reach camera {device} on {link}: {error}",
        },
        "checks.camera.link.silent": {
            "vi": "Camera {device} không trả lời lệnh VISCA ({error})",
            "en": "Camera {device} does not answer VISCA commands ({error})",
        },
        "checks.camera.link.noise": {
            "vi": "Camera {device} trả lời bằng tín hiệu nhiễu: kiểm tra tốc độ baud và cáp"
            " ({error})",
            "en": "Camera {device} answers with noise: check baud rate and cable ({error})",
        },
        "checks.camera.link.ok": {
            "vi": "Camera {device} trả lời: {model}",
            "en": "Camera {device} answers: {model}",
        },
        "checks.camera.model.unknown": {
            "vi": "Camera {device} báo mã model {model_id} không có trong danh sách; cấu hình ghi {configured}",
            "en": "Camera {device} reports model id {model_id}, which we do not know; the config says {configured}",
        },
        "checks.camera.model.mismatch": {
            "vi": "Camera {device} là {model} nhưng cấu hình ghi {configured}",
            "en": "Camera {device} is a {model} but the config says {configured}",
        },
        "checks.camera.model.hint": {
            "vi": f'Sửa model = "{{model}}" của camera {{device}} trong tệp cấu hình (hoặc "generic"), khởi động lại dịch vụ, {_AGAIN_VI}',
            "en": f'Set model = "{{model}}" for camera {{device}} in the config file (or "generic"), restart the service, {_AGAIN_EN}',
        },
        "checks.camera.power.on": {"vi": "Camera {device} đang bật", "en": "Camera {device} is on"},
        "checks.camera.power.standby": {
            "vi": "Camera {device} đang ở chế độ chờ (tắt)",
            "en": "Camera {device} is in standby (off)",
        },
        "checks.camera.power.hint": {
            "vi": f"Bật camera {{device}} (điều khiển từ xa hoặc nút nguồn), chờ 10 giây, {_AGAIN_VI}",
            "en": f"Switch camera {{device}} on (remote or power button), wait 10 s, {_AGAIN_EN}",
        },
        "checks.camera.power.fault": {
            "vi": "Camera {device} báo lỗi nguồn",
            "en": "Camera {device} reports a power fault",
        },
        "checks.camera.power.fault_hint": {
            "vi": f"Rút nguồn camera {{device}} 10 giây rồi cắm lại; nếu vẫn lỗi, báo bảo hành; {_AGAIN_VI}",
            "en": f"Unplug the power of camera {{device}} for 10 s and plug it back; if it persists, call for service; {_AGAIN_EN}",
        },
        "checks.camera.pan_tilt.ok": {
            "vi": "Camera {device} quay ngang và dọc {deg}° rồi trở về đúng vị trí",
            "en": "Camera {device} panned and tilted {deg}° and came back",
        },
        "checks.camera.pan_tilt.stuck": {
            "vi": "Camera {device} không quay khi được lệnh quay {deg}°",
            "en": "Camera {device} did not turn when told to turn {deg}°",
        },
        "checks.camera.pan_tilt.off": {
            "vi": "Camera {device} dừng lệch {error}° so với vị trí được lệnh",
            "en": "Camera {device} stopped {error}° away from where it was sent",
        },
        "checks.camera.pan_tilt.not_back": {
            "vi": "Camera {device} không trở về đúng vị trí ban đầu (lệch {error}°)",
            "en": "Camera {device} did not return to its start position ({error}° off)",
        },
        "checks.camera.pan_tilt.hint": {
            "vi": f"Kiểm tra không có vật cản quanh đầu camera {{device}} và giá đỡ chắc chắn; tắt bật lại camera, {_AGAIN_VI}",
            "en": f"Make sure nothing blocks the head of camera {{device}} and its mount is firm; power-cycle the camera, {_AGAIN_EN}",
        },
        "checks.camera.preset.none": {
            "vi": "Camera {device} chưa có vị trí đặt sẵn nào trong cấu hình",
            "en": "Camera {device} has no preset in the config",
        },
        "checks.camera.preset.no_video": {
            "vi": "Vị trí {preset} của camera {device}: không có nguồn hình để so sánh (chưa cấu hình video)",
            "en": "Preset {preset} of camera {device}: no picture to compare (no video source configured)",
        },
        "checks.camera.preset.no_reference": {
            "vi": "Vị trí {preset} của camera {device} chưa có ảnh mẫu để so sánh",
            "en": "Preset {preset} of camera {device} has no reference picture to compare with",
        },
        "checks.camera.preset.reference_hint": {
            "vi": "Gọi vị trí {preset} của camera {device}, chỉnh khung hình cho đúng, rồi lưu ảnh mẫu: appliance check reference {device} {preset}",
            "en": "Recall preset {preset} of camera {device}, frame the shot correctly, then store the reference: appliance check reference {device} {preset}",
        },
        "checks.camera.preset.damaged": {
            "vi": "Ảnh mẫu của vị trí {preset} (camera {device}) bị hỏng: {error}",
            "en": "The reference picture of preset {preset} (camera {device}) is damaged: {error}",
        },
        "checks.camera.preset.ok": {
            "vi": "Vị trí {preset} của camera {device} đúng khung hình (độ giống {score})",
            "en": "Preset {preset} of camera {device} shows the right view (similarity {score})",
        },
        "checks.camera.preset.elsewhere": {
            "vi": "Vị trí {preset} của camera {device} không đúng khung hình mẫu (độ giống {score} < {threshold})",
            "en": "Preset {preset} of camera {device} does not show the reference view (similarity {score} < {threshold})",
        },
        "checks.camera.preset.hint": {
            "vi": f"Gọi vị trí {{preset}} của camera {{device}}, chỉnh lại hướng và độ zoom rồi lưu lại vị trí đặt sẵn; nếu khung hình mới mới là đúng, lưu ảnh mẫu mới: appliance check reference {{device}} {{preset}}, {_AGAIN_VI}",
            "en": f"Recall preset {{preset}} of camera {{device}}, aim and zoom it again and store the preset; if the new view is the right one, store a new reference: appliance check reference {{device}} {{preset}}, {_AGAIN_EN}",
        },
        # -- camera video ------------------------------------------------------------------
        "checks.video.signal.ok": {
            "vi": "Có hình từ camera {device}: {width}×{height}, {fps} hình/giây",
            "en": "Picture from camera {device}: {width}×{height}, {fps} frames/s",
        },
        "checks.video.signal.none": {
            "vi": "Không có tín hiệu hình từ camera {device} ({error})",
            "en": "No picture from camera {device} ({error})",
        },
        "checks.video.signal.stalled": {
            "vi": "Hình từ camera {device} bị ngắt quãng, không có hình mới ({error})",
            "en": "The picture from camera {device} stalled, no new frames ({error})",
        },
        "checks.video.signal.hint": {
            "vi": f"Kiểm tra cáp hình/mạng và nguồn camera {{device}}, địa chỉ luồng hình {{url}}, {_AGAIN_VI}",
            "en": f"Check the video/network cable and the power of camera {{device}}, and the stream address {{url}}, {_AGAIN_EN}",
        },
        "checks.video.black.ok": {
            "vi": "Hình camera {device} không bị đen (độ sáng trung bình {value})",
            "en": "The picture of camera {device} is not black (mean luma {value})",
        },
        "checks.video.black.black": {
            "vi": "Hình camera {device} đen hoàn toàn (độ sáng trung bình {value})",
            "en": "The picture of camera {device} is black (mean luma {value})",
        },
        "checks.video.black.hint": {
            "vi": f"Tháo nắp ống kính, kiểm tra camera {{device}} đang bật và phòng có đèn, {_AGAIN_VI}",
            "en": f"Remove the lens cap, check that camera {{device}} is on and the room lights are on, {_AGAIN_EN}",
        },
        "checks.video.frozen.ok": {
            "vi": "Hình camera {device} đang chuyển động bình thường",
            "en": "The picture of camera {device} is live",
        },
        "checks.video.frozen.repeated": {
            "vi": "Hình camera {device} có khung lặp lại (chênh lệch {value})",
            "en": "The picture of camera {device} repeats frames (difference {value})",
        },
        "checks.video.frozen.frozen": {
            "vi": "Hình camera {device} bị đứng (các khung hình giống hệt nhau)",
            "en": "The picture of camera {device} is frozen (identical frames)",
        },
        "checks.video.frozen.no_previous": {
            "vi": "Chỉ có một khung hình, chưa đánh giá được hình đứng",
            "en": "Only one frame: cannot tell whether the picture is frozen",
        },
        "checks.video.frozen.no_picture": {
            "vi": "Không đánh giá hình đứng: hình camera {device} không dùng được",
            "en": "Frozen picture not judged: no usable picture from camera {device}",
        },
        "checks.video.frozen.hint": {
            "vi": f"Tắt bật lại camera {{device}} (hoặc bộ mã hoá hình), kiểm tra cáp hình, {_AGAIN_VI}",
            "en": f"Power-cycle camera {{device}} (or its video encoder) and check the video cable, {_AGAIN_EN}",
        },
        "checks.video.focus.ok": {
            "vi": "Hình camera {device} rõ nét (độ nét {value})",
            "en": "The picture of camera {device} is sharp (sharpness {value})",
        },
        "checks.video.focus.soft": {
            "vi": "Hình camera {device} hơi mờ (độ nét {value})",
            "en": "The picture of camera {device} is soft (sharpness {value})",
        },
        "checks.video.focus.blurred": {
            "vi": "Hình camera {device} bị mờ, mất nét (độ nét {value})",
            "en": "The picture of camera {device} is out of focus (sharpness {value})",
        },
        "checks.video.focus.no_picture": {
            "vi": "Không đánh giá độ nét: hình camera {device} không dùng được",
            "en": "Focus not judged: no usable picture from camera {device}",
        },
        "checks.video.focus.hint": {
            "vi": f"Bật lấy nét tự động (hoặc bấm lấy nét một lần) cho camera {{device}}, lau ống kính, {_AGAIN_VI}",
            "en": f"Turn on autofocus (or one-push focus) on camera {{device}} and clean the lens, {_AGAIN_EN}",
        },
        "checks.video.exposure.ok": {
            "vi": "Độ sáng hình camera {device} tốt ({value})",
            "en": "The exposure of camera {device} is good ({value})",
        },
        "checks.video.exposure.dark": {
            "vi": "Hình camera {device} hơi tối ({value})",
            "en": "The picture of camera {device} is dark ({value})",
        },
        "checks.video.exposure.bright": {
            "vi": "Hình camera {device} hơi chói ({value})",
            "en": "The picture of camera {device} is bright ({value})",
        },
        "checks.video.exposure.under": {
            "vi": "Hình camera {device} quá tối ({value})",
            "en": "The picture of camera {device} is underexposed ({value})",
        },
        "checks.video.exposure.over": {
            "vi": "Hình camera {device} quá chói, cháy sáng ({value})",
            "en": "The picture of camera {device} is overexposed ({value})",
        },
        "checks.video.exposure.no_picture": {
            "vi": "Không đánh giá độ sáng: hình camera {device} không dùng được",
            "en": "Exposure not judged: no usable picture from camera {device}",
        },
        "checks.video.exposure.hint": {
            "vi": f"Bật phơi sáng tự động cho camera {{device}}, chỉnh đèn phòng, tránh quay ngược sáng cửa sổ, {_AGAIN_VI}",
            "en": f"Turn on auto exposure on camera {{device}}, adjust the room lights, avoid shooting against a window, {_AGAIN_EN}",
        },
        # -- audio ---------------------------------------------------------------------------
        "checks.audio.present.ok": {
            "vi": "Tìm thấy {device}: {name}",
            "en": "Found {device}: {name}",
        },
        "checks.audio.mic.missing": {
            "vi": "Không tìm thấy micro {device} (tên cấu hình “{name}”): {error}",
            "en": "Microphone {device} not found (configured name “{name}”): {error}",
        },
        "checks.audio.speaker.missing": {
            "vi": "Không tìm thấy loa {device} (tên cấu hình “{name}”): {error}",
            "en": "Speaker {device} not found (configured name “{name}”): {error}",
        },
        "checks.audio.mic.hint": {
            "vi": f"Cắm lại cáp USB/âm thanh của micro {{device}} (“{{name}}”), kiểm tra bộ trộn âm đang bật, {_AGAIN_VI}",
            "en": f"Reconnect the USB/audio cable of microphone {{device}} (“{{name}}”) and check the mixer is on, {_AGAIN_EN}",
        },
        "checks.audio.speaker.hint": {
            "vi": f"Cắm lại cáp USB/âm thanh của loa {{device}} (“{{name}}”), bật ampli và loa, {_AGAIN_VI}",
            "en": f"Reconnect the USB/audio cable of speaker {{device}} (“{{name}}”), switch the amplifier and speakers on, {_AGAIN_EN}",
        },
        "checks.audio.level.ok": {
            "vi": "Micro {device} thu được âm thanh phòng (RMS {rms} dBFS, đỉnh {peak} dBFS)",
            "en": "Microphone {device} picks up the room (RMS {rms} dBFS, peak {peak} dBFS)",
        },
        "checks.audio.level.silent": {
            "vi": "Micro {device} không thu được gì (im lặng tuyệt đối, đỉnh {peak} dBFS)",
            "en": "Microphone {device} delivers nothing (digital silence, peak {peak} dBFS)",
        },
        "checks.audio.level.hint": {
            "vi": f"Bỏ tắt tiếng (mute) micro {{device}} trên micro và bộ trộn âm, kiểm tra pin/nguồn phantom và cáp, {_AGAIN_VI}",
            "en": f"Unmute microphone {{device}} on the microphone and the mixer, check its battery/phantom power and cable, {_AGAIN_EN}",
        },
        "checks.audio.noise.level": {
            "vi": "Tiếng ồn nền ở micro {device}: {floor} dBFS",
            "en": "Background noise at microphone {device}: {floor} dBFS",
        },
        "checks.audio.noise.short": {
            "vi": "Bản thu của micro {device} quá ngắn để đo tiếng ồn nền",
            "en": "The recording of microphone {device} is too short to measure the noise floor",
        },
        "checks.audio.noise.hint": {
            "vi": f"Tắt quạt/điều hoà gần micro {{device}}, kiểm tra tiếng ù do cáp (nối đất), giảm độ nhạy micro, {_AGAIN_VI}",
            "en": f"Switch off fans/air conditioning near microphone {{device}}, check for cable hum (grounding), lower the mic gain, {_AGAIN_EN}",
        },
        "checks.audio.clipping.ok": {
            "vi": "Micro {device} không bị quá tải ({percent}% mẫu chạm đỉnh)",
            "en": "Microphone {device} does not clip ({percent}% of samples at full scale)",
        },
        "checks.audio.clipping.fail": {
            "vi": "Micro {device} bị quá tải, méo tiếng: {percent}% mẫu chạm đỉnh (khi {source})",
            "en": "Microphone {device} clips: {percent}% of samples at full scale (during {source})",
        },
        "checks.audio.clipping.hint": {
            "vi": f"Giảm độ nhạy (gain) của micro {{device}} trên bộ trộn âm hoặc trong hệ điều hành, giảm âm lượng loa, {_AGAIN_VI}",
            "en": f"Lower the gain of microphone {{device}} on the mixer or in the operating system, lower the speaker volume, {_AGAIN_EN}",
        },
        "checks.audio.loopback.ok": {
            "vi": "Micro {mic} nghe rõ loa {device}: {freq} Hz, {level} dBFS, SNR {snr} dB, trễ {latency} ms",
            "en": "Microphone {mic} hears speaker {device}: {freq} Hz, {level} dBFS, SNR {snr} dB, latency {latency} ms",
        },
        "checks.audio.loopback.weak": {
            "vi": "Micro {mic} nghe được loa {device} nhưng chưa tốt ({issues}): {level} dBFS, SNR {snr} dB, trễ {latency} ms",
            "en": "Microphone {mic} hears speaker {device}, but poorly ({issues}): {level} dBFS, SNR {snr} dB, latency {latency} ms",
        },
        "checks.audio.loopback.silence": {
            "vi": "Micro {mic} không thu được gì khi loa {device} phát âm thử",
            "en": "Microphone {mic} recorded nothing while speaker {device} played the test tone",
        },
        "checks.audio.loopback.not_heard": {
            "vi": "Không nghe thấy loa {device}: micro {mic} không thu được âm thử {expected} Hz",
            "en": "Speaker {device} is not heard: microphone {mic} did not pick up the {expected} Hz test tone",
        },
        "checks.audio.loopback.wrong_frequency": {
            "vi": "Micro {mic} thu được âm {freq} Hz thay vì âm thử {expected} Hz của loa {device}",
            "en": "Microphone {mic} heard {freq} Hz instead of the {expected} Hz test tone of speaker {device}",
        },
        "checks.audio.loopback.hint": {
            "vi": f"Bật ampli và loa {{device}}, tăng âm lượng, bỏ tắt tiếng, kiểm tra cáp loa và micro {{mic}}, {_AGAIN_VI}",
            "en": f"Switch the amplifier and speaker {{device}} on, raise the volume, unmute, check the speaker cable and microphone {{mic}}, {_AGAIN_EN}",
        },
        "checks.audio.loopback.no_mic": {
            "vi": "Không có micro nào trong cấu hình để nghe thử loa",
            "en": "No microphone in the config to listen to the speaker",
        },
        # -- displays -----------------------------------------------------------------------
        "checks.display.output.ok": {
            "vi": "Màn hình {device} hiển thị đúng mẫu thử ({size})",
            "en": "Display {device} shows the test pattern correctly ({size})",
        },
        "checks.display.output.wrong": {
            "vi": "Màn hình {device} không hiển thị đúng mẫu thử (sai: {wrong})",
            "en": "Display {device} does not show the test pattern correctly (wrong: {wrong})",
        },
        "checks.display.output.no_text": {
            "vi": "Màn hình {device} hiển thị đúng màu mẫu thử nhưng thiếu chữ ({boxes})",
            "en": "Display {device} shows the test pattern's colours but not its text ({boxes})",
        },
        "checks.display.output.text_hint": {
            "vi": f"Kiểm tra tên phòng (room.name) trong tệp cấu hình và phông chữ fonts-dejavu-core đã cài, {_AGAIN_VI}",
            "en": f"Check the room name (room.name) in the config file and that the font package fonts-dejavu-core is installed, {_AGAIN_EN}",
        },
        "checks.display.output.unsupported": {
            "vi": "Không điều khiển được màn hình {device}: {error}",
            "en": "Cannot drive display {device}: {error}",
        },
        "checks.display.output.hint": {
            "vi": f"Kiểm tra cáp HDMI và nguồn màn hình {{device}}, phiên đồ hoạ {{xdisplay}} của máy tính phòng họp đang chạy, {_AGAIN_VI}",
            "en": f"Check the HDMI cable and power of display {{device}} and that the room PC's graphical session {{xdisplay}} runs, {_AGAIN_EN}",
        },
        "checks.display.power.cec_off": {
            "vi": "Không kiểm tra nguồn màn hình {device}: HDMI-CEC đang tắt trong cấu hình (cec = false)",
            "en": "Power of display {device} not checked: HDMI-CEC is off in the config (cec = false)",
        },
        "checks.display.power.no_adapter": {
            "vi": "Không kiểm tra nguồn màn hình {device}: máy tính không có bộ chuyển HDMI-CEC",
            "en": "Power of display {device} not checked: this PC has no HDMI-CEC adapter",
        },
        "checks.display.power.on": {
            "vi": "Màn hình {device} đang bật (HDMI-CEC)",
            "en": "Display {device} is on (HDMI-CEC)",
        },
        "checks.display.power.off": {
            "vi": "Màn hình {device} đang tắt/chờ (HDMI-CEC: {status})",
            "en": "Display {device} is off or in standby (HDMI-CEC: {status})",
        },
        "checks.display.power.unclear": {
            "vi": "Màn hình {device} trả lời không rõ trạng thái nguồn (HDMI-CEC: {status})",
            "en": "Display {device} gives no clear power state (HDMI-CEC: {status})",
        },
        "checks.display.power.hint": {
            "vi": f"Bật màn hình {{device}} bằng điều khiển từ xa, kiểm tra cáp HDMI hỗ trợ CEC, {_AGAIN_VI}",
            "en": f"Switch display {{device}} on with its remote and check the HDMI cable carries CEC, {_AGAIN_EN}",
        },
        # -- PC and hub ------------------------------------------------------------------------
        "checks.system.disk.free": {
            "vi": "Ổ đĩa chứa {path} còn trống {free} GiB ({percent}%)",
            "en": "The disk holding {path} has {free} GiB free ({percent}%)",
        },
        "checks.system.disk.hint": {
            "vi": f"Giải phóng dung lượng ổ đĩa chứa {{path}} (xoá bản ghi, tệp tạm cũ) hoặc báo bộ phận CNTT, {_AGAIN_VI}",
            "en": f"Free space on the disk holding {{path}} (old recordings, temporary files) or tell IT, {_AGAIN_EN}",
        },
        "checks.system.cpu.temperature": {
            "vi": "Nhiệt độ CPU {celsius} °C ({zone})",
            "en": "CPU temperature {celsius} °C ({zone})",
        },
        "checks.system.cpu.no_sensor": {
            "vi": "Máy tính không có cảm biến nhiệt độ ({path})",
            "en": "This PC exposes no temperature sensor ({path})",
        },
        "checks.system.cpu.hint": {
            "vi": f"Vệ sinh bụi và khe gió của máy tính phòng họp, đặt máy nơi thoáng, {_AGAIN_VI}",
            "en": f"Clean the dust and vents of the room PC and give it room to breathe, {_AGAIN_EN}",
        },
        "checks.hub.none": {
            "vi": "Chưa cấu hình máy chủ trung tâm (hub.url)",
            "en": "No central hub configured (hub.url)",
        },
        "checks.hub.link.answered": {
            "vi": "Máy chủ trung tâm {url} trả lời (HTTP {status}, {rtt} ms)",
            "en": "The central hub {url} answers (HTTP {status}, {rtt} ms)",
        },
        "checks.hub.link.down": {
            "vi": "Không kết nối được máy chủ trung tâm {url}: {error}",
            "en": "Cannot reach the central hub {url}: {error}",
        },
        "checks.hub.link.timeout": {
            "vi": "Không kết nối được máy chủ trung tâm {url}: không có phản hồi trong {seconds} giây ({kind})",
            "en": "Cannot reach the central hub {url}: no answer within {seconds} s ({kind})",
        },
        "checks.hub.link.hint": {
            "vi": f"Kiểm tra cáp mạng và Internet của phòng họp, địa chỉ hub.url = {{url}}; nếu mạng tốt, báo trung tâm tỉnh; {_AGAIN_VI}",
            "en": f"Check the room's network cable and Internet access and hub.url = {{url}}; if the network is fine, tell the provincial centre; {_AGAIN_EN}",
        },
        "checks.hub.clock.offset": {
            "vi": "Đồng hồ máy tính lệch {offset} giây so với máy chủ trung tâm",
            "en": "The PC clock is {offset} s off the central hub",
        },
        "checks.hub.clock.no_hub": {
            "vi": "Không so đồng hồ: chưa cấu hình máy chủ trung tâm",
            "en": "Clock not compared: no central hub configured",
        },
        "checks.hub.clock.no_answer": {
            "vi": "Không so đồng hồ: máy chủ trung tâm không trả lời",
            "en": "Clock not compared: the central hub did not answer",
        },
        "checks.hub.clock.no_date": {
            "vi": "Không so đồng hồ: máy chủ trung tâm không gửi giờ (Date)",
            "en": "Clock not compared: the central hub sent no Date",
        },
        "checks.hub.clock.hint": {
            "vi": f"Bật đồng bộ giờ tự động (NTP: timedatectl set-ntp true) trên máy tính phòng họp, {_AGAIN_VI}",
            "en": f"Turn on automatic time sync (NTP: timedatectl set-ntp true) on the room PC, {_AGAIN_EN}",
        },
        # -- appliance check ---------------------------------------------------------------
        "checks.health.healthy": {"vi": "Tốt", "en": "Healthy"},
        "checks.health.warning": {"vi": "Cảnh báo", "en": "Warning"},
        "checks.health.error": {"vi": "Lỗi", "en": "Error"},
        "checks.health.offline": {"vi": "Mất kết nối thiết bị", "en": "Offline"},
        "checks.health.maintenance": {"vi": "Đang bảo trì", "en": "Maintenance"},
        "checks.health.unknown": {"vi": "Chưa rõ", "en": "Unknown"},
        "checks.cli.title": {
            "vi": "Kiểm tra sẵn sàng trước cuộc họp ({run_id})",
            "en": "Pre-meeting readiness check ({run_id})",
        },
        "checks.cli.col.item": {"vi": "Mục", "en": "Item"},
        "checks.cli.col.status": {"vi": "Trạng thái", "en": "Status"},
        "checks.cli.col.value": {"vi": "Giá trị", "en": "Value"},
        "checks.cli.col.result": {
            "vi": "Kết quả và cách khắc phục",
            "en": "Finding and what to do",
        },
        "checks.cli.fixes.title": {
            "vi": "Cần khắc phục ({count} mục):",
            "en": "To fix ({count}):",
        },
        "checks.cli.summary.overall": {"vi": "Kết quả chung: ", "en": "Overall: "},
        "checks.cli.summary.counts": {
            "vi": "{total} mục: {fail} lỗi, {warn} cảnh báo, {skip} bỏ qua",
            "en": "{total} items: {fail} failed, {warn} warnings, {skip} skipped",
        },
        "checks.cli.summary.health": {
            "vi": "Tình trạng phòng: {health}",
            "en": "Room health: {health}",
        },
        "checks.cli.progress": {
            "vi": "Đang kiểm tra ({done}/{total}): {items}",
            "en": "Checking ({done}/{total}): {items}",
        },
        "checks.cli.queued": {
            "vi": "Đang chờ lượt kiểm tra trước kết thúc…",
            "en": "Waiting for the run before this one to finish…",
        },
        "checks.cli.agent_down": {
            "vi": "Không kết nối được dịch vụ appliance-agent tại {url} ({error}). Dịch vụ có đang chạy không? Xem: systemctl status appliance-agent. Khi dịch vụ đã dừng, có thể kiểm tra trực tiếp trên thiết bị: appliance check --standalone",
            "en": "Cannot reach the appliance-agent service at {url} ({error}). Is it running? See: systemctl status appliance-agent. While the service is stopped you can check the devices directly: appliance check --standalone",
        },
        "checks.cli.agent_running": {
            "vi": "Dịch vụ appliance-agent đang chạy ({url}) và đang giữ các thiết bị; chạy lại lệnh không có --standalone (hoặc dừng dịch vụ trước)",
            "en": "The appliance-agent service is running ({url}) and holds the devices; run the command without --standalone (or stop the service first)",
        },
        "checks.cli.token_unreadable": {
            "vi": "Không đọc được tệp khoá API {path} ({error}); chạy lệnh với quyền root hoặc người dùng appliance",
            "en": "Cannot read the API token file {path} ({error}); run as root or as the appliance user",
        },
        "checks.cli.token_rejected": {
            "vi": "Dịch vụ tại {url} từ chối khoá API: tệp khoá không khớp với dịch vụ đang chạy (cùng tệp cấu hình?)",
            "en": "The service at {url} rejected the API token: the token file does not match the running service (same config file?)",
        },
        "checks.cli.no_engine": {
            "vi": "Dịch vụ tại {url} đang chạy nhưng chưa có bộ kiểm tra sẵn sàng; cập nhật phần mềm appliance",
            "en": "The service at {url} runs without the readiness check engine; update the appliance software",
        },
        "checks.cli.api_error": {
            "vi": "Dịch vụ trả lỗi HTTP {status}: {error}",
            "en": "The service answered HTTP {status}: {error}",
        },
        "checks.cli.timeout": {
            "vi": "Lượt kiểm tra chưa xong sau {seconds} giây",
            "en": "The check did not finish within {seconds} s",
        },
        "checks.cli.interrupted.standalone": {
            "vi": "Ctrl-C: đã hủy lượt kiểm tra; camera đã dừng và thiết bị đã được đóng",
            "en": "Ctrl-C: check cancelled; the cameras are stopped and the devices closed",
        },
        "checks.cli.interrupted.not_stopped": {
            "vi": "Ctrl-C: đã hủy lượt kiểm tra nhưng KHÔNG dừng được camera {cameras}; kiểm tra camera bằng: appliance camera --port … stop",
            "en": "Ctrl-C: check cancelled but camera(s) {cameras} could NOT be stopped; stop them with: appliance camera --port … stop",
        },
        "checks.cli.interrupted.unanswered": {
            "vi": "Ctrl-C: đã dừng trước khi dịch vụ trả lời; nếu dịch vụ đã bắt đầu lượt kiểm tra thì lượt đó vẫn chạy đến hết. Xem: {url}",
            "en": "Ctrl-C: stopped before the service answered; if it had started a check run, that run goes on to its end. See: {url}",
        },
        "checks.cli.interrupted.cancelled": {
            "vi": "Ctrl-C: dịch vụ đã hủy lượt kiểm tra {run_id}; camera được đưa về vị trí cũ",
            "en": "Ctrl-C: the service cancelled check run {run_id}; the cameras go back to where they were",
        },
        "checks.cli.interrupted.continues": {
            "vi": "Ctrl-C: lệnh đã thoát nhưng lượt kiểm tra {run_id} VẪN CHẠY trong dịch vụ (phiên bản này không hủy được từ xa): camera còn di chuyển đến khi xong rồi tự về vị trí cũ. Kết quả: {url}",
            "en": "Ctrl-C: this command stopped but check run {run_id} GOES ON in the service (this version cannot cancel it remotely): the cameras keep moving until it ends, then go back. Result: {url}",
        },
        "checks.cli.cancelled": {
            "vi": "Lượt kiểm tra đã bị huỷ: dịch vụ appliance-agent đã dừng giữa chừng",
            "en": "The check was cancelled: the appliance-agent service stopped during it",
        },
        "checks.cli.reference.saved": {
            "vi": "Đã lưu ảnh mẫu cho vị trí {preset} của camera {camera}: {path}",
            "en": "Stored the reference of preset {preset} of camera {camera}: {path}",
        },
        "checks.cli.reference.failed": {
            "vi": "Không lưu được ảnh mẫu cho vị trí {preset} của camera {camera}: {error}",
            "en": "Could not store the reference of preset {preset} of camera {camera}: {error}",
        },
    }
)
