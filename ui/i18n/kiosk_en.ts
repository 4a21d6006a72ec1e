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
    <message id="reason.journey.not_allowed_here">
        <source>Thao tác này không dùng được ở bước này.</source>
        <translation>This cannot be done at this step.</translation>
    </message>
    <message id="reason.journey.unknown_procedure">
        <source>Không tìm thấy thủ tục này. Xin chọn lại.</source>
        <translation>This procedure was not found. Please choose again.</translation>
    </message>
    <message id="reason.journey.unknown_field">
        <source>Không có ô thông tin này.</source>
        <translation>There is no such box in this form.</translation>
    </message>
    <message id="reason.journey.form_invalid">
        <source>Còn thông tin chưa đúng. Xin xem các dòng báo đỏ.</source>
        <translation>Some details are not right yet. Please see the lines marked in red.</translation>
    </message>
    <message id="reason.journey.document_missing">
        <source>Chưa quét giấy tờ bắt buộc: %1.</source>
        <translation>A required document has not been scanned yet: %1.</translation>
    </message>
    <message id="reason.journey.no_such_document">
        <source>Không có giấy tờ này trong danh sách.</source>
        <translation>This document is not on the list.</translation>
    </message>
    <message id="reason.journey.no_such_page">
        <source>Không có trang này.</source>
        <translation>There is no such page.</translation>
    </message>
    <message id="reason.journey.page_unreadable">
        <source>Không đọc được trang vừa quét. Xin quét lại.</source>
        <translation>The page just scanned could not be read. Please scan it again.</translation>
    </message>
    <message id="reason.journey.too_many_pages">
        <source>Giấy tờ này nhiều nhất %1 trang. Xin bỏ bớt trang thừa.</source>
        <translation>This document can have at most %1 pages. Please remove the extra pages.</translation>
    </message>
    <message id="reason.journey.wrong_code">
        <source>Mã xác nhận chưa đúng. Xin nhập lại.</source>
        <translation>The confirmation code is not right. Please enter it again.</translation>
    </message>
    <message id="reason.journey.new_code_issued">
        <source>Nhập sai nhiều lần. Máy đã tạo mã xác nhận mới.</source>
        <translation>The code was entered wrongly too many times. The kiosk has made a new confirmation code.</translation>
    </message>
    <message id="reason.journey.submission_in_progress">
        <source>Máy đang lưu hồ sơ, xin chờ trong giây lát.</source>
        <translation>The kiosk is saving your application. Please wait a moment.</translation>
    </message>
    <message id="reason.journey.invalid_rating">
        <source>Xin chọn từ 1 đến 5.</source>
        <translation>Please choose from 1 to 5.</translation>
    </message>
    <message id="reason.field.control_characters">
        <source>%1: có ký tự không hợp lệ.</source>
        <translation>%1: contains characters that are not allowed.</translation>
    </message>
    <message id="reason.field.too_long">
        <source>%1: không quá %2 ký tự.</source>
        <translation>%1: no more than %2 characters.</translation>
    </message>
    <message id="reason.field.too_short">
        <source>%1: cần ít nhất %2 ký tự.</source>
        <translation>%1: at least %2 characters are needed.</translation>
    </message>
    <message id="reason.field.required">
        <source>Xin nhập %1.</source>
        <translation>Please fill in: %1.</translation>
    </message>
    <message id="reason.field.choice_required">
        <source>Xin chọn %1.</source>
        <translation>Please choose: %1.</translation>
    </message>
    <message id="reason.field.date_invalid">
        <source>%1: ngày không đúng. Xin nhập ngày/tháng/năm, ví dụ 05/09/1980.</source>
        <translation>%1: this date is not valid. Please enter day/month/year, for example 05/09/1980.</translation>
    </message>
    <message id="reason.field.date_in_future">
        <source>%1: không được sau ngày hôm nay.</source>
        <translation>%1: cannot be later than today.</translation>
    </message>
    <message id="reason.field.year_invalid">
        <source>%1: năm không đúng.</source>
        <translation>%1: the year is not valid.</translation>
    </message>
    <message id="reason.field.digits_only">
        <source>%1: chỉ gồm chữ số.</source>
        <translation>%1: digits only, please.</translation>
    </message>
    <message id="reason.field.email_invalid">
        <source>%1: địa chỉ thư điện tử không đúng, ví dụ ten@gmail.com.</source>
        <translation>%1: the email address is not valid; for example name@gmail.com.</translation>
    </message>
    <message id="reason.field.id_number_format">
        <source>%1: gồm đúng 12 chữ số.</source>
        <translation>%1: exactly 12 digits, please.</translation>
    </message>
    <message id="reason.field.id_number_province">
        <source>%1: ba chữ số đầu không đúng mã tỉnh.</source>
        <translation>%1: the first three digits are not a province code.</translation>
    </message>
    <message id="reason.field.number_only">
        <source>%1: chỉ nhập số.</source>
        <translation>%1: numbers only, please.</translation>
    </message>
    <message id="reason.field.below_minimum">
        <source>%1: ít nhất là %2.</source>
        <translation>%1: at least %2.</translation>
    </message>
    <message id="reason.field.above_maximum">
        <source>%1: nhiều nhất là %2.</source>
        <translation>%1: at most %2.</translation>
    </message>
    <message id="reason.field.name_invalid">
        <source>%1: chỉ gồm chữ cái, không có chữ số hay ký hiệu.</source>
        <translation>%1: letters only, no digits or symbols.</translation>
    </message>
    <message id="reason.field.pattern_mismatch">
        <source>%1: không đúng.</source>
        <translation>%1: not valid.</translation>
    </message>
    <message id="reason.field.catalog_rule">
        <source>%1</source>
        <translation>%1</translation>
    </message>
    <message id="reason.identity.unreadable">
        <source>Không đọc được mã QR. Xin mở lại mã QR trên ứng dụng VNeID hoặc đưa mặt sau thẻ căn cước lại gần máy đọc.</source>
        <translation>The QR code could not be read. Please open the QR code in the VNeID app again, or hold the back of your ID card close to the reader.</translation>
    </message>
    <message id="reason.identity.not_identity_code">
        <source>Mã vừa quét không phải mã QR của thẻ căn cước hoặc VNeID. Xin quét đúng mã QR.</source>
        <translation>This is not the QR code of an ID card or of VNeID. Please scan the right QR code.</translation>
    </message>
    <message id="reason.identity.invalid">
        <source>Thông tin trong mã QR không hợp lệ. Xin vui lòng bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>The information in the QR code is not valid. Please press Call staff for help.</translation>
    </message>
    <message id="reason.lookup.invalid_code">
        <source>Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ H15.50.05.13-261123-0001, hoặc đưa mã QR trên giấy hẹn lại gần máy đọc.</source>
        <translation>This application code is not valid. Please check the code printed on your appointment slip, for example H15.50.05.13-261123-0001, or hold the slip&#x27;s QR code close to the reader.</translation>
    </message>
    <message id="reason.lookup.not_found">
        <source>Chưa tìm thấy hồ sơ có mã này. Hồ sơ vừa nộp tại máy có thể chưa được chuyển lên hệ thống; xin thử lại sau hoặc bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>No application with this code was found yet. An application just submitted at the kiosk may not have reached the system; please try again later or press Call staff for help.</translation>
    </message>
    <message id="reason.lookup.offline">
        <source>Hiện chưa kết nối được với hệ thống dịch vụ công nên chưa tra cứu được. Xin thử lại sau ít phút hoặc bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>The kiosk cannot reach the public service system right now, so the status cannot be checked. Please try again in a few minutes or press Call staff for help.</translation>
    </message>
    <message id="status.processing.received">
        <source>Đã tiếp nhận</source>
        <translation>Received</translation>
    </message>
    <message id="status.processing.processing">
        <source>Đang giải quyết</source>
        <translation>Being processed</translation>
    </message>
    <message id="status.processing.additional_documents_required">
        <source>Cần bổ sung giấy tờ</source>
        <translation>More documents needed</translation>
    </message>
    <message id="status.processing.ready">
        <source>Đã có kết quả, mời ông/bà đến nhận</source>
        <translation>The result is ready; please come to collect it</translation>
    </message>
    <message id="status.processing.returned">
        <source>Đã trả kết quả</source>
        <translation>Result handed over</translation>
    </message>
    <message id="status.processing.rejected">
        <source>Không được giải quyết</source>
        <translation>Not approved</translation>
    </message>
    <message id="reason.device.unplugged">
        <source>Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>The device is not working at the moment. Please press Call staff for help.</translation>
    </message>
    <message id="reason.device.busy">
        <source>Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.</source>
        <translation>The device is busy. Please wait a moment and try again.</translation>
    </message>
    <message id="reason.device.paper_out">
        <source>Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>The printer is out of paper. Please press Call staff for help.</translation>
    </message>
    <message id="reason.device.paper_near_end">
        <source>Máy in sắp hết giấy.</source>
        <translation>The printer is running out of paper.</translation>
    </message>
    <message id="reason.device.cover_open">
        <source>Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.</source>
        <translation>The cover is open. Please close it and try again.</translation>
    </message>
    <message id="reason.device.jammed">
        <source>Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.</source>
        <translation>Paper is stuck in the scanner. Please call staff to take it out.</translation>
    </message>
    <message id="reason.device.no_documents">
        <source>Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.</source>
        <translation>There is no paper in the tray. Please put your papers in the scanner tray.</translation>
    </message>
    <message id="reason.device.io_error">
        <source>Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.</source>
        <translation>The device had a problem. Please try again or press Call staff.</translation>
    </message>
    <message id="reason.device.cancelled">
        <source>Đã dừng quét.</source>
        <translation>Scanning stopped.</translation>
    </message>
    <message id="reason.device.timeout">
        <source>Thiết bị không trả lời. Xin thử lại hoặc bấm nút Gọi cán bộ.</source>
        <translation>The device is not responding. Please try again or press Call staff.</translation>
    </message>
    <message id="reason.device.unsupported">
        <source>Thiết bị không hỗ trợ thao tác này. Xin gọi cán bộ.</source>
        <translation>The device cannot do this. Please call staff.</translation>
    </message>
    <message id="reason.outbox.not_stored">
        <source>Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; thông tin ông/bà đã nhập vẫn được giữ.</source>
        <translation>The kiosk could not save your application. Please press Call staff for help; the details you entered are kept.</translation>
    </message>
    <message id="reason.outbox.disk_full">
        <source>Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Xin bấm nút Gọi cán bộ; thông tin ông/bà đã nhập vẫn được giữ.</source>
        <translation>The kiosk&#x27;s storage is full, so your application could not be saved. Please press Call staff; the details you entered are kept.</translation>
    </message>
    <message id="notice.journey.staff_called">
        <source>Đã gọi cán bộ. Xin ông/bà chờ trong giây lát.</source>
        <translation>Staff have been called. Please wait a moment.</translation>
    </message>
    <message id="notice.journey.slip_not_printed">
        <source>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình hoặc bấm Gọi cán bộ để được in lại.</source>
        <translation>The appointment slip could not be printed. Please take a photo of the application code on the screen, or press Call staff to have it printed again.</translation>
    </message>
    <message id="procedure.time.sameDay">
        <source>Trong ngày</source>
        <translation>The same day</translation>
    </message>
    <message id="procedure.time.days">
        <source>%1 ngày làm việc</source>
        <translation>%1 working days</translation>
    </message>
    <message id="procedure.delivery.or">
        <source> hoặc </source>
        <translation> or </translation>
    </message>
    <message id="procedure.delivery.in_person">
        <source>nhận trực tiếp</source>
        <translation>in person</translation>
    </message>
    <message id="procedure.delivery.postal">
        <source>qua dịch vụ bưu chính công ích</source>
        <translation>by public postal service</translation>
    </message>
    <message id="procedure.delivery.online">
        <source>nhận bản điện tử trực tuyến</source>
        <translation>as an electronic copy online</translation>
    </message>
    <message id="money.vnd">
        <source>%1 đồng</source>
        <translation>%1 dong</translation>
    </message>
    <message id="money.grouping">
        <source>.</source>
        <translation>,</translation>
    </message>
    <message id="date.appointment">
        <source>%1, ngày %2</source>
        <translation>%1, %2</translation>
    </message>
    <message id="date.received">
        <source>%1 giờ %2 phút, ngày %3</source>
        <translation>%1:%2 on %3</translation>
    </message>
    <message id="date.weekday0">
        <source>Thứ Hai</source>
        <translation>Monday</translation>
    </message>
    <message id="date.weekday1">
        <source>Thứ Ba</source>
        <translation>Tuesday</translation>
    </message>
    <message id="date.weekday2">
        <source>Thứ Tư</source>
        <translation>Wednesday</translation>
    </message>
    <message id="date.weekday3">
        <source>Thứ Năm</source>
        <translation>Thursday</translation>
    </message>
    <message id="date.weekday4">
        <source>Thứ Sáu</source>
        <translation>Friday</translation>
    </message>
    <message id="date.weekday5">
        <source>Thứ Bảy</source>
        <translation>Saturday</translation>
    </message>
    <message id="date.weekday6">
        <source>Chủ Nhật</source>
        <translation>Sunday</translation>
    </message>
</context>
</TS>
