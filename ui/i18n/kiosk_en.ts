<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name></name>
    <message id="app.title">
        <source>Kiosk dịch vụ công</source>
        <translation>Public service kiosk</translation>
    </message>
    <message id="common.back">
        <source>Quay lại</source>
        <translation>Back</translation>
    </message>
    <message id="common.next">
        <source>Tiếp tục</source>
        <translation>Continue</translation>
    </message>
    <message id="common.home">
        <source>Về màn hình đầu</source>
        <translation>Back to start</translation>
    </message>
    <message id="common.cancel">
        <source>Hủy, làm lại từ đầu</source>
        <translation>Cancel, start over</translation>
    </message>
    <message id="common.callStaff">
        <source>Gọi cán bộ</source>
        <translation>Call staff</translation>
    </message>
    <message id="common.language">
        <source>English</source>
        <translation>Tiếng Việt</translation>
    </message>
    <message id="common.listen">
        <source>Nghe hướng dẫn</source>
        <translation>Listen</translation>
    </message>
    <message id="common.listen.stop">
        <source>Dừng đọc</source>
        <translation>Stop reading</translation>
    </message>
    <message id="home.welcome">
        <source>Chào mừng ông/bà đến Bộ phận Một cửa</source>
        <translation>Welcome to the one-stop public service desk</translation>
    </message>
    <message id="home.start">
        <source>Bắt đầu nộp hồ sơ</source>
        <translation>Start a new application</translation>
    </message>
    <message id="home.lookup">
        <source>Tra cứu hồ sơ đã nộp</source>
        <translation>Check an application&#x27;s status</translation>
    </message>
    <message id="home.or.choose">
        <source>Hoặc chọn thủ tục ngay bên dưới:</source>
        <translation>Or choose a procedure below:</translation>
    </message>
    <message id="home.search.placeholder">
        <source>Tìm thủ tục, ví dụ: khai sinh, kết hôn</source>
        <translation>Search, e.g. khai sinh (birth), ket hon (marriage)</translation>
    </message>
    <message id="home.search.none">
        <source>Không tìm thấy thủ tục phù hợp. Xin gõ từ khác hoặc bấm Gọi cán bộ.</source>
        <translation>No matching procedure. Try other words or call staff.</translation>
    </message>
    <message id="home.category.all">
        <source>Tất cả</source>
        <translation>All</translation>
    </message>
    <message id="procedures.title">
        <source>Chọn thủ tục cần làm</source>
        <translation>Choose the procedure</translation>
    </message>
    <message id="details.documents">
        <source>Giấy tờ cần có</source>
        <translation>Documents you need</translation>
    </message>
    <message id="details.optional">
        <source>nếu có</source>
        <translation>if applicable</translation>
    </message>
    <message id="details.showOnly">
        <source>chỉ xuất trình khi nhận kết quả</source>
        <translation>only shown when collecting the result</translation>
    </message>
    <message id="details.fee">
        <source>Lệ phí</source>
        <translation>Fee</translation>
    </message>
    <message id="details.time">
        <source>Thời hạn giải quyết</source>
        <translation>Processing time</translation>
    </message>
    <message id="details.result">
        <source>Nơi trả kết quả</source>
        <translation>Where to collect the result</translation>
    </message>
    <message id="details.delivery">
        <source>Cách nhận kết quả</source>
        <translation>How to receive the result</translation>
    </message>
    <message id="details.start">
        <source>Làm thủ tục này</source>
        <translation>Start this procedure</translation>
    </message>
    <message id="identify.title">
        <source>Đăng nhập bằng mã QR</source>
        <translation>Sign in with your QR code</translation>
    </message>
    <message id="identify.how">
        <source>Cách làm:</source>
        <translation>How to do it:</translation>
    </message>
    <message id="identify.step1">
        <source>Mở ứng dụng VNeID trên điện thoại.</source>
        <translation>Open the VNeID app on your phone.</translation>
    </message>
    <message id="identify.step2">
        <source>Bấm vào biểu tượng mã QR ở màn hình chính của ứng dụng.</source>
        <translation>Tap the QR code icon on the app&#x27;s home screen.</translation>
    </message>
    <message id="identify.step3">
        <source>Đưa màn hình điện thoại vào khung, cách máy đọc khoảng một gang tay.</source>
        <translation>Hold the phone screen inside the frame, about a hand&#x27;s width from the reader.</translation>
    </message>
    <message id="identify.card">
        <source>Hoặc đưa mặt có mã QR của thẻ căn cước vào máy đọc.</source>
        <translation>Or hold the QR code side of your ID card to the reader.</translation>
    </message>
    <message id="identify.scannerModule">
        <source>Đưa mã QR vào máy đọc mã bên dưới màn hình</source>
        <translation>Hold the QR code to the reader below the screen</translation>
    </message>
    <message id="identify.help">
        <source>Máy chưa đọc được mã. Xin giữ điện thoại yên, tăng độ sáng màn hình, đưa lại gần hơn một chút; hoặc bấm Gọi cán bộ để được giúp.</source>
        <translation>The code has not been read yet. Hold the phone still, turn up its brightness and bring it a little closer; or call staff for help.</translation>
    </message>
    <message id="form.title">
        <source>Kiểm tra và điền thông tin</source>
        <translation>Check and fill in your details</translation>
    </message>
    <message id="form.idNumber">
        <source>Số định danh</source>
        <translation>ID number</translation>
    </message>
    <message id="form.verification.verified">
        <source>Đã xác thực danh tính với hệ thống định danh quốc gia.</source>
        <translation>Identity verified with the national identity system.</translation>
    </message>
    <message id="form.verification.pending">
        <source>Danh tính sẽ được xác thực sau (hệ thống đang bận). Ông/bà vẫn nộp hồ sơ bình thường.</source>
        <translation>Identity will be verified later (the system is busy). You can still apply as usual.</translation>
    </message>
    <message id="form.verification.not_found">
        <source>Hệ thống định danh chưa xác nhận thông tin này. Ông/bà vẫn nộp được; cán bộ sẽ kiểm tra lại.</source>
        <translation>The identity system did not confirm these details. You can still apply; staff will check them.</translation>
    </message>
    <message id="scan.title">
        <source>Quét giấy tờ %1 / %2</source>
        <translation>Scan document %1 of %2</translation>
    </message>
    <message id="scan.howto">
        <source>Đặt giấy tờ vào khay máy quét, mặt có chữ úp xuống, đầu trang vào trước, rồi bấm Quét.</source>
        <translation>Put the papers in the scanner tray face down, top edge first, then press Scan.</translation>
    </message>
    <message id="scan.start">
        <source>Quét</source>
        <translation>Scan</translation>
    </message>
    <message id="scan.more">
        <source>Quét thêm trang</source>
        <translation>Scan more pages</translation>
    </message>
    <message id="scan.stop">
        <source>Dừng quét</source>
        <translation>Stop scanning</translation>
    </message>
    <message id="scan.progress">
        <source>Đã quét %1 trang</source>
        <translation>%1 page(s) scanned</translation>
    </message>
    <message id="scan.page">
        <source>Trang %1</source>
        <translation>Page %1</translation>
    </message>
    <message id="scan.remove">
        <source>Xóa trang</source>
        <translation>Remove page</translation>
    </message>
    <message id="scan.rescan">
        <source>Quét lại</source>
        <translation>Scan again</translation>
    </message>
    <message id="scan.blank">
        <source>Các trang vừa quét đều trắng. Có thể giấy đã bị đặt ngược mặt; xin lật lại và quét lại.</source>
        <translation>The pages were blank. The papers may be face up; turn them over and scan again.</translation>
    </message>
    <message id="scan.full">
        <source>Giấy tờ này đã đủ số trang tối đa. Xin xóa bớt trang trước khi quét thêm.</source>
        <translation>This document has the most pages allowed. Remove a page before scanning more.</translation>
    </message>
    <message id="scan.takeOriginals">
        <source>Xin nhớ lấy lại bản gốc giấy tờ ở khay ra của máy quét.</source>
        <translation>Please take your original papers back from the scanner&#x27;s output tray.</translation>
    </message>
    <message id="scan.flag.too_dark">
        <source>Trang quá tối, xin quét lại</source>
        <translation>Page too dark, please scan again</translation>
    </message>
    <message id="scan.flag.low_contrast">
        <source>Chữ quá mờ, xin quét lại</source>
        <translation>Text too faint, please scan again</translation>
    </message>
    <message id="scan.flag.blurred">
        <source>Trang bị nhòe, xin quét lại</source>
        <translation>Page blurred, please scan again</translation>
    </message>
    <message id="scan.flag.cut_off">
        <source>Trang bị mất mép, xin đặt thẳng và quét lại</source>
        <translation>Page cut off, straighten it and scan again</translation>
    </message>
    <message id="scan.flag.orientation_uncertain">
        <source>Xin kiểm tra trang có bị ngược không</source>
        <translation>Check the page is the right way up</translation>
    </message>
    <message id="review.title">
        <source>Kiểm tra lại hồ sơ trước khi nộp</source>
        <translation>Check your application before submitting</translation>
    </message>
    <message id="review.form">
        <source>Thông tin đã điền</source>
        <translation>Your details</translation>
    </message>
    <message id="review.edit">
        <source>Sửa</source>
        <translation>Change</translation>
    </message>
    <message id="review.pages">
        <source>Đã quét %1 trang</source>
        <translation>%1 page(s) scanned</translation>
    </message>
    <message id="review.noPages">
        <source>Chưa quét</source>
        <translation>Not scanned</translation>
    </message>
    <message id="review.submit">
        <source>Nộp hồ sơ</source>
        <translation>Submit</translation>
    </message>
    <message id="confirm.title">
        <source>Nhập mã xác nhận</source>
        <translation>Enter the confirmation code</translation>
    </message>
    <message id="confirm.sms">
        <source>Mã xác nhận đã được gửi bằng tin nhắn tới số điện thoại %1. Xin nhập mã đó vào ô dưới đây.</source>
        <translation>A confirmation code was sent by text message to %1. Please enter it below.</translation>
    </message>
    <message id="confirm.screen">
        <source>Để xác nhận nộp hồ sơ, xin nhập lại mã số dưới đây vào ô trống:</source>
        <translation>To confirm, please type the code below into the box:</translation>
    </message>
    <message id="confirm.placeholder">
        <source>Nhập mã</source>
        <translation>Code</translation>
    </message>
    <message id="confirm.submit">
        <source>Xác nhận nộp</source>
        <translation>Confirm</translation>
    </message>
    <message id="confirm.resend">
        <source>Gửi lại mã</source>
        <translation>Send the code again</translation>
    </message>
    <message id="confirm.newCode">
        <source>Đổi mã khác</source>
        <translation>New code</translation>
    </message>
    <message id="done.title">
        <source>Nộp hồ sơ thành công</source>
        <translation>Application submitted</translation>
    </message>
    <message id="done.code">
        <source>Mã hồ sơ của ông/bà:</source>
        <translation>Your application code:</translation>
    </message>
    <message id="done.codeProvisional">
        <source>Số biên nhận của ông/bà (mã hồ sơ chính thức sẽ có khi hồ sơ được gửi đi):</source>
        <translation>Your receipt number (the official code follows once the application is sent):</translation>
    </message>
    <message id="done.appointment">
        <source>Ngày hẹn trả kết quả: %1</source>
        <translation>Result ready on: %1</translation>
    </message>
    <message id="done.received">
        <source>Thời gian nhận hồ sơ: %1</source>
        <translation>Received at: %1</translation>
    </message>
    <message id="done.verificationPending">
        <source>Danh tính đang chờ xác thực; điều này được ghi trên phiếu hẹn.</source>
        <translation>Identity verification is pending; this is noted on the slip.</translation>
    </message>
    <message id="done.printing">
        <source>Đang in phiếu hẹn…</source>
        <translation>Printing your appointment slip…</translation>
    </message>
    <message id="done.printed">
        <source>Xin nhận phiếu hẹn ở khe máy in và giữ cẩn thận.</source>
        <translation>Please take your appointment slip from the printer and keep it safe.</translation>
    </message>
    <message id="done.printFailed">
        <source>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình, hoặc bấm Gọi cán bộ để được in lại.</source>
        <translation>The slip could not be printed. Please photograph the code on the screen, or call staff to print it again.</translation>
    </message>
    <message id="done.next">
        <source>Xong</source>
        <translation>Finish</translation>
    </message>
    <message id="rating.title">
        <source>Ông/bà có hài lòng với việc nộp hồ sơ hôm nay?</source>
        <translation>How satisfied are you with today&#x27;s visit?</translation>
    </message>
    <message id="rating.level1">
        <source>Rất không hài lòng</source>
        <translation>Very unhappy</translation>
    </message>
    <message id="rating.level2">
        <source>Không hài lòng</source>
        <translation>Unhappy</translation>
    </message>
    <message id="rating.level3">
        <source>Bình thường</source>
        <translation>OK</translation>
    </message>
    <message id="rating.level4">
        <source>Hài lòng</source>
        <translation>Happy</translation>
    </message>
    <message id="rating.level5">
        <source>Rất hài lòng</source>
        <translation>Very happy</translation>
    </message>
    <message id="rating.why">
        <source>Vì sao? (không bắt buộc)</source>
        <translation>Why? (optional)</translation>
    </message>
    <message id="rating.reason.wait">
        <source>Phải chờ lâu</source>
        <translation>Long wait</translation>
    </message>
    <message id="rating.reason.hard">
        <source>Máy khó sử dụng</source>
        <translation>Hard to use</translation>
    </message>
    <message id="rating.reason.device">
        <source>Máy bị lỗi</source>
        <translation>Machine fault</translation>
    </message>
    <message id="rating.reason.documents">
        <source>Giấy tờ phức tạp</source>
        <translation>Too many documents</translation>
    </message>
    <message id="rating.reason.other">
        <source>Lý do khác</source>
        <translation>Other</translation>
    </message>
    <message id="rating.send">
        <source>Gửi đánh giá</source>
        <translation>Send</translation>
    </message>
    <message id="rating.skip">
        <source>Bỏ qua</source>
        <translation>Skip</translation>
    </message>
    <message id="lookup.title">
        <source>Tra cứu tình trạng hồ sơ</source>
        <translation>Check an application&#x27;s status</translation>
    </message>
    <message id="lookup.howto">
        <source>Đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ in trên phiếu.</source>
        <translation>Hold the QR code on your slip to the reader, or type the code printed on it.</translation>
    </message>
    <message id="lookup.placeholder">
        <source>Mã hồ sơ</source>
        <translation>Application code</translation>
    </message>
    <message id="lookup.submit">
        <source>Tra cứu</source>
        <translation>Check</translation>
    </message>
    <message id="lookup.code">
        <source>Hồ sơ %1</source>
        <translation>Application %1</translation>
    </message>
    <message id="lookup.status">
        <source>Tình trạng: %1</source>
        <translation>Status: %1</translation>
    </message>
    <message id="lookup.appointment">
        <source>Ngày hẹn trả: %1</source>
        <translation>Result date: %1</translation>
    </message>
    <message id="idle.title">
        <source>Ông/bà còn ở đây không?</source>
        <translation>Are you still there?</translation>
    </message>
    <message id="idle.body">
        <source>Nếu không có ai chạm vào màn hình, hồ sơ đang làm sẽ bị xóa để bảo vệ thông tin cá nhân.</source>
        <translation>If nobody touches the screen, the unfinished application is deleted to protect your personal data.</translation>
    </message>
    <message id="idle.stay">
        <source>Tôi vẫn ở đây</source>
        <translation>I am still here</translation>
    </message>
    <message id="sim.qr">
        <source>Mô phỏng: đưa mã QR VNeID mẫu</source>
        <translation>Simulate: show the sample VNeID code</translation>
    </message>
    <message id="sim.slip">
        <source>Mô phỏng: đưa phiếu hẹn vừa in</source>
        <translation>Simulate: show the slip just printed</translation>
    </message>
    <message id="sim.sms">
        <source>Mô phỏng: xem tin nhắn</source>
        <translation>Simulate: read the text message</translation>
    </message>
    <message id="guide.Home">
        <source>Chào mừng ông bà. Để nộp hồ sơ, xin bấm nút màu xanh lá: Bắt đầu nộp hồ sơ. Nếu cần giúp, bấm nút Gọi cán bộ ở góc trên.</source>
        <translation>Welcome. To apply, press the green button, Start a new application. For help, press Call staff at the top.</translation>
    </message>
    <message id="guide.Procedures">
        <source>Xin chọn thủ tục cần làm trong danh sách, hoặc gõ tên thủ tục vào ô tìm kiếm. Không cần gõ dấu.</source>
        <translation>Choose the procedure from the list, or type its name in the search box.</translation>
    </message>
    <message id="guide.Details">
        <source>Đây là các giấy tờ cần có, lệ phí và thời hạn giải quyết. Nếu đã đủ giấy tờ, xin bấm nút Bắt đầu làm thủ tục này.</source>
        <translation>These are the documents you need, the fee and the processing time. If you have them, press Start this procedure.</translation>
    </message>
    <message id="guide.Identify">
        <source>Xin mở ứng dụng VNeID trên điện thoại, bấm vào mã QR, rồi đưa màn hình điện thoại vào khung của máy đọc. Hoặc đưa mặt có mã QR của thẻ căn cước.</source>
        <translation>Open the VNeID app, tap the QR code and hold the phone in the frame. Or show the QR side of your ID card.</translation>
    </message>
    <message id="guide.Form">
        <source>Xin kiểm tra thông tin đã được điền sẵn, điền các ô còn trống, rồi bấm Tiếp tục. Ô có dấu sao là bắt buộc.</source>
        <translation>Check the details filled in for you, complete the empty boxes and press Continue. Boxes with a star are required.</translation>
    </message>
    <message id="guide.Scan">
        <source>Xin đặt giấy tờ vào khay máy quét, mặt có chữ úp xuống, rồi bấm nút Quét. Quét xong, nhớ lấy lại bản gốc.</source>
        <translation>Put the papers in the scanner tray face down and press Scan. Afterwards, take your originals back.</translation>
    </message>
    <message id="guide.Review">
        <source>Xin kiểm tra lại toàn bộ hồ sơ. Nếu có gì sai, bấm nút Sửa ở phần đó. Nếu đúng, bấm Nộp hồ sơ.</source>
        <translation>Check the whole application. To change something, press Change next to it. If all is right, press Submit.</translation>
    </message>
    <message id="guide.Confirm">
        <source>Xin nhập mã xác nhận vào ô trống rồi bấm Xác nhận nộp.</source>
        <translation>Type the confirmation code into the box and press Confirm.</translation>
    </message>
    <message id="guide.Done">
        <source>Hồ sơ đã được nộp. Xin nhận phiếu hẹn ở khe máy in và giữ cẩn thận. Mã hồ sơ in trên phiếu dùng để tra cứu.</source>
        <translation>Your application is submitted. Take the appointment slip from the printer and keep it; its code lets you check the status.</translation>
    </message>
    <message id="guide.Rating">
        <source>Xin chọn một khuôn mặt để cho biết ông bà có hài lòng không, rồi bấm Gửi đánh giá. Có thể bấm Bỏ qua.</source>
        <translation>Choose a face to tell us how satisfied you are, then press Send. You may skip.</translation>
    </message>
    <message id="guide.Lookup">
        <source>Xin đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ rồi bấm Tra cứu.</source>
        <translation>Hold the slip&#x27;s QR code to the reader, or type the code and press Check.</translation>
    </message>
</context>
</TS>
