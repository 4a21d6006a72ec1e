<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name />
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
        <source>Hủy hồ sơ</source>
        <translation>Cancel</translation>
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
        <source>Kính chào ông/bà</source>
        <translation>Welcome</translation>
    </message>
    <message id="home.start">
        <source>Nộp hồ sơ</source>
        <translation>Hand in an application</translation>
    </message>
    <message id="home.lookup">
        <source>Xem hồ sơ đã nộp đến đâu</source>
        <translation>Check an application you handed in</translation>
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
        <source>Ông/bà muốn làm thủ tục gì?</source>
        <translation>Which procedure do you need?</translation>
    </message>
    <message id="details.documents">
        <source>Giấy tờ cần có</source>
        <translation>Documents you need</translation>
    </message>
    <message id="details.showOnly">
        <source>mang theo khi nhận kết quả</source>
        <translation>bring it when you collect the result</translation>
    </message>
    <message id="details.fee">
        <source>Lệ phí</source>
        <translation>Fee</translation>
    </message>
    <message id="details.time">
        <source>Thời hạn giải quyết</source>
        <translation>Processing time</translation>
    </message>
    <message id="details.start">
        <source>Làm thủ tục này</source>
        <translation>Start this procedure</translation>
    </message>
    <message id="identify.title">
        <source>Quét thẻ căn cước hoặc mã VNeID</source>
        <translation>Scan your ID card or VNeID code</translation>
    </message>
    <message id="identify.how">
        <source>Cách làm:</source>
        <translation>How:</translation>
    </message>
    <message id="identify.step1">
        <source>Thẻ căn cước: đưa mặt có mã QR của thẻ vào máy đọc mã, cách khoảng một gang tay.</source>
        <translation>ID card: hold the side with the QR code to the code reader, about a hand's width away.</translation>
    </message>
    <message id="identify.step2">
        <source>Hoặc điện thoại: mở ứng dụng VNeID, bấm vào biểu tượng mã QR ở màn hình chính.</source>
        <translation>Or a phone: open the VNeID app and tap the QR code icon on its main screen.</translation>
    </message>
    <message id="identify.step3">
        <source>Rồi đưa màn hình điện thoại vào máy đọc mã (không áp vào màn hình kiosk).</source>
        <translation>Then hold the phone's screen to the code reader (not against this screen).</translation>
    </message>
    <message id="identify.scannerModule">
        <source>Đưa mã QR vào máy đọc mã bên dưới màn hình</source>
        <translation>Hold the QR code to the reader below the screen</translation>
    </message>
    <message id="identify.help">
        <source>Máy chưa đọc được mã. Xin giữ điện thoại yên, tăng độ sáng màn hình, đưa lại gần hơn một chút; hoặc bấm Gọi cán bộ để được giúp.</source>
        <translation>The code has not been read yet. Hold the phone still, turn up its brightness and bring it a little closer; or call staff for help.</translation>
    </message>
    <message id="form.verification.verified">
        <source>Đã xác minh danh tính với hệ thống định danh quốc gia.</source>
        <translation>Your identity has been verified with the national identity system.</translation>
    </message>
    <message id="form.verification.pending">
        <source>Danh tính sẽ được xác minh sau (hệ thống đang bận). Ông/bà vẫn nộp hồ sơ bình thường.</source>
        <translation>Your identity will be verified later (the system is busy). You can hand in your application as usual.</translation>
    </message>
    <message id="form.verification.not_found">
        <source>Hệ thống định danh chưa xác minh được thông tin này. Ông/bà vẫn nộp được; cán bộ sẽ kiểm tra lại.</source>
        <translation>The identity system could not verify this yet. You can still hand in your application; staff will check it.</translation>
    </message>
    <message id="scan.title">
        <source>Quét giấy tờ %1 / %2</source>
        <translation>Scan document %1 of %2</translation>
    </message>
    <message id="scan.howto">
        <source>Đặt giấy tờ vào khay máy quét, mặt có chữ úp xuống, đầu trang vào trước, rồi bấm Quét.</source>
        <translation>Put the papers in the scanner tray, text facing down, top edge first, then press Scan.</translation>
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
        <translation>Please take your original papers back from the scanner's output tray.</translation>
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
        <source>Tiếp tục</source>
        <translation>Continue</translation>
    </message>
    <message id="confirm.title">
        <source>Xác nhận nộp hồ sơ</source>
        <translation>Confirm your application</translation>
    </message>
    <message id="confirm.sms">
        <source>Máy đã gửi mã xác nhận bằng tin nhắn đến số %1.</source>
        <translation>A confirmation code was sent by text message to %1.</translation>
    </message>
    <message id="confirm.screen">
        <source>Để xác nhận nộp hồ sơ, xin nhập mã số dưới đây.</source>
        <translation>To confirm, please type the number below.</translation>
    </message>
    <message id="confirm.placeholder">
        <source>%1 chữ số</source>
        <translation>%1 digits</translation>
    </message>
    <message id="confirm.submit">
        <source>Nộp hồ sơ</source>
        <translation>Submit</translation>
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
        <translation>Application handed in</translation>
    </message>
    <message id="done.code">
        <source>Mã hồ sơ của ông/bà:</source>
        <translation>Your application code:</translation>
    </message>
    <message id="done.appointment">
        <source>Ngày hẹn trả kết quả: %1</source>
        <translation>Result ready on: %1</translation>
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
        <source>Xong, không đánh giá</source>
        <translation>Done, no rating</translation>
    </message>
    <message id="rating.title">
        <source>Ông/bà có hài lòng với việc nộp hồ sơ hôm nay không?</source>
        <translation>Were you satisfied with handing in your application today?</translation>
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
        <source>Vì sao ông/bà chưa hài lòng? Xin chạm một lý do:</source>
        <translation>Why were you not satisfied? Please touch a reason:</translation>
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
    <message id="lookup.title">
        <source>Xem hồ sơ đã nộp đến đâu</source>
        <translation>Check an application</translation>
    </message>
    <message id="lookup.howto">
        <source>Đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ in trên phiếu.</source>
        <translation>Hold the QR code on your slip to the reader, or type the application code printed on it.</translation>
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
        <source>Mã hồ sơ: %1</source>
        <translation>Application code: %1</translation>
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
        <source>Để nộp hồ sơ, xin bấm nút Nộp hồ sơ. Cần giúp thì bấm Gọi cán bộ.</source>
        <translation>To hand in an application, press Hand in an application. For help, press Call staff.</translation>
    </message>
    <message id="guide.Procedures">
        <source>Xin chạm vào thủ tục cần làm, hoặc gõ tên thủ tục vào ô tìm kiếm.</source>
        <translation>Please touch the procedure you need, or type its name in the search box.</translation>
    </message>
    <message id="guide.Details">
        <source>Đây là giấy tờ cần có và lệ phí. Nếu đủ giấy tờ, xin bấm Làm thủ tục này.</source>
        <translation>These are the papers you need and the fee. If you have them, press Start this procedure.</translation>
    </message>
    <message id="guide.Identify">
        <source>Xin đưa mã QR trên thẻ căn cước, hoặc mã QR trong ứng dụng VNeID, vào máy đọc mã.</source>
        <translation>Hold the QR code on your ID card, or the one in the VNeID app, to the code reader.</translation>
    </message>
    <message id="guide.Form">
        <source>Xin điền các ô trên trang này rồi bấm Tiếp tục.</source>
        <translation>Please fill in this page, then press Continue.</translation>
    </message>
    <message id="guide.Scan">
        <source>Đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Quét xong, bấm Tiếp tục.</source>
        <translation>Put the paper in the tray, text down, and press Scan. Then press Continue.</translation>
    </message>
    <message id="guide.Review">
        <source>Nếu có gì sai, xin bấm Sửa ở phần đó. Nếu đúng, bấm Tiếp tục.</source>
        <translation>If something is wrong, press Change beside it. If it is right, press Continue.</translation>
    </message>
    <message id="guide.Confirm">
        <source>Xin nhập mã xác nhận rồi bấm Nộp hồ sơ. Không có điện thoại thì bấm nút hiện mã trên màn hình.</source>
        <translation>Type the confirmation code, then press Submit. Without a phone, press the button to show the code on screen.</translation>
    </message>
    <message id="guide.Done">
        <source>Hồ sơ đã nộp xong. Xin nhận phiếu hẹn ở máy in. Chạm một khuôn mặt để cho biết ông bà có hài lòng không.</source>
        <translation>Your application is handed in. Take the slip from the printer. Touch a face to tell us if you were satisfied.</translation>
    </message>
    <message id="guide.Lookup">
        <source>Xin đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ rồi bấm Tra cứu.</source>
        <translation>Hold the QR code on your slip to the reader, or type the application code and press Check.</translation>
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
        <source>Còn thông tin chưa đúng. Xin xem dòng có dấu ⚠.</source>
        <translation>Some details are not right. Please see the line marked ⚠.</translation>
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
        <source>Thông tin trong mã QR không đúng. Xin bấm nút Gọi cán bộ để được giúp.</source>
        <translation>The information in the QR code is not valid. Please press Call staff for help.</translation>
    </message>
    <message id="reason.lookup.invalid_code">
        <source>Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ H15.50.05.13-261123-0001, hoặc đưa mã QR trên giấy hẹn lại gần máy đọc.</source>
        <translation>This application code is not valid. Please check the code printed on your appointment slip, for example H15.50.05.13-261123-0001, or hold the slip's QR code close to the reader.</translation>
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
        <translation>The kiosk's storage is full, so your application could not be saved. Please press Call staff; the details you entered are kept.</translation>
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
    <message id="common.staffComing">
        <source>Đã gọi cán bộ, xin chờ</source>
        <translation>Staff called, please wait</translation>
    </message>
    <message id="cancel.title">
        <source>Hủy hồ sơ này?</source>
        <translation>Cancel this application?</translation>
    </message>
    <message id="cancel.body">
        <source>Mọi thông tin ông/bà đã điền và các trang đã quét sẽ bị xóa. Ông/bà sẽ phải làm lại từ đầu.</source>
        <translation>Everything you have entered and every page you have scanned will be deleted. You would have to start again.</translation>
    </message>
    <message id="cancel.keep">
        <source>Không, tôi làm tiếp</source>
        <translation>No, I will go on</translation>
    </message>
    <message id="cancel.confirm">
        <source>Có, hủy và xóa hồ sơ</source>
        <translation>Yes, cancel and delete it</translation>
    </message>
    <message id="step.position">
        <source>Bước %1/%2</source>
        <translation>Step %1 of %2</translation>
    </message>
    <message id="step.choose">
        <source>Chọn thủ tục</source>
        <translation>Choose the procedure</translation>
    </message>
    <message id="step.card">
        <source>Quét thẻ căn cước</source>
        <translation>Scan your ID card</translation>
    </message>
    <message id="step.information">
        <source>Thông tin</source>
        <translation>Your details</translation>
    </message>
    <message id="step.documents">
        <source>Quét giấy tờ</source>
        <translation>Scan your papers</translation>
    </message>
    <message id="step.review">
        <source>Kiểm tra lại</source>
        <translation>Check everything</translation>
    </message>
    <message id="step.confirm">
        <source>Xác nhận nộp</source>
        <translation>Confirm</translation>
    </message>
    <message id="step.slip">
        <source>Nhận phiếu hẹn</source>
        <translation>Take your slip</translation>
    </message>
    <message id="home.bring.title">
        <source>Ông/bà cần có:</source>
        <translation>You will need:</translation>
    </message>
    <message id="home.bring.card">
        <source>Thẻ căn cước, hoặc điện thoại có ứng dụng VNeID</source>
        <translation>Your ID card, or a phone with the VNeID app</translation>
    </message>
    <message id="home.bring.papers">
        <source>Các giấy tờ của thủ tục (máy quét xong sẽ trả lại bản gốc)</source>
        <translation>The papers the procedure needs (the scanner gives the originals back)</translation>
    </message>
    <message id="home.bring.phone">
        <source>Số điện thoại để nhận tin nhắn (nếu có)</source>
        <translation>A phone number for text messages (if you have one)</translation>
    </message>
    <message id="home.help">
        <source>Nếu cần giúp, xin bấm nút Gọi cán bộ bất cứ lúc nào. Cán bộ sẽ đến hướng dẫn.</source>
        <translation>If you need help, press Call staff at any time. Someone will come to help you.</translation>
    </message>
    <message id="details.formOnKiosk">
        <source>điền trên máy này</source>
        <translation>filled in on this kiosk</translation>
    </message>
    <message id="details.onlyIf">
        <source>Chỉ cần %1</source>
        <translation>Only needed %1</translation>
    </message>
    <message id="card.title">
        <source>Thông tin trên thẻ của ông/bà</source>
        <translation>What your card says</translation>
    </message>
    <message id="card.name">
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message id="card.idNumber">
        <source>Số định danh cá nhân</source>
        <translation>Personal ID number</translation>
    </message>
    <message id="card.birthDate">
        <source>Ngày sinh</source>
        <translation>Date of birth</translation>
    </message>
    <message id="card.sex">
        <source>Giới tính</source>
        <translation>Sex</translation>
    </message>
    <message id="card.address">
        <source>Nơi thường trú</source>
        <translation>Permanent address</translation>
    </message>
    <message id="card.addressUpdated">
        <source>Tên tỉnh, xã trên thẻ đã đổi từ ngày 1/7/2025; máy ghi tên mới ở trên.</source>
        <translation>The province and commune names on your card changed on 1 July 2025; the new names are shown above.</translation>
    </message>
    <message id="card.addressOnCard">
        <source>Trên thẻ ghi: %1</source>
        <translation>The card says: %1</translation>
    </message>
    <message id="card.communeUnchecked">
        <source>Máy chưa biết tên xã, phường mới của ông/bà. Xin xem lại ở trang địa chỉ.</source>
        <translation>The kiosk does not know your commune's new name. Please check it on the address page.</translation>
    </message>
    <message id="card.question">
        <source>Thông tin này có đúng là của ông/bà không?</source>
        <translation>Is this information yours and correct?</translation>
    </message>
    <message id="card.right">
        <source>Đúng</source>
        <translation>Correct</translation>
    </message>
    <message id="card.wrong">
        <source>Chưa đúng, gọi cán bộ</source>
        <translation>Not correct: call staff</translation>
    </message>
    <message id="form.optional">
        <source>(không bắt buộc)</source>
        <translation>(optional)</translation>
    </message>
    <message id="scan.state.done">
        <source>đã quét %1 trang</source>
        <translation>%1 page(s) scanned</translation>
    </message>
    <message id="scan.state.todo">
        <source>chưa quét</source>
        <translation>not scanned yet</translation>
    </message>
    <message id="scan.state.optional">
        <source>không bắt buộc</source>
        <translation>optional</translation>
    </message>
    <message id="scan.whenNeeded">
        <source>Giấy này không bắt buộc. Chỉ cần khi: %1</source>
        <translation>This paper is optional. Only needed: %1</translation>
    </message>
    <message id="scan.skip">
        <source>Tôi không có giấy này — bỏ qua</source>
        <translation>I don't have this paper: skip</translation>
    </message>
    <message id="scan.removed">
        <source>Đã xóa một trang.</source>
        <translation>A page was removed.</translation>
    </message>
    <message id="scan.undo">
        <source>Hoàn tác</source>
        <translation>Undo</translation>
    </message>
    <message id="scan.closeView">
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message id="scan.waitForScan">
        <source>Xin chờ máy quét xong</source>
        <translation>Please wait for the scan to finish</translation>
    </message>
    <message id="review.card">
        <source>Người nộp</source>
        <translation>Applicant</translation>
    </message>
    <message id="confirm.digits">
        <source>Mã gồm %1 chữ số.</source>
        <translation>The code has %1 digits.</translation>
    </message>
    <message id="confirm.enter">
        <source>Nhập mã vào ô này:</source>
        <translation>Type the code here:</translation>
    </message>
    <message id="confirm.needDigits">
        <source>Nhập đủ %1 chữ số để nộp</source>
        <translation>Type all %1 digits to submit</translation>
    </message>
    <message id="confirm.noPhone">
        <source>Tôi không có điện thoại / không nhận được tin nhắn — hiện mã trên màn hình</source>
        <translation>I have no phone / no message came: show the code on screen</translation>
    </message>
    <message id="done.waitForSlip">
        <source>Xin chờ in xong phiếu hẹn</source>
        <translation>Please wait for the slip to print</translation>
    </message>
    <message id="lookup.where">
        <source>Mã hồ sơ in to ở đầu phiếu hẹn, dưới dòng chữ “Mã hồ sơ”. Mã QR ở cuối phiếu.</source>
        <translation>The application code is printed large at the top of the slip, under “Mã hồ sơ”. The QR code is at the bottom.</translation>
    </message>
    <message id="idle.seconds">
        <source>Còn %1 giây</source>
        <translation>%1 seconds left</translation>
    </message>
    <message id="idle.spoken">
        <source>Ông bà còn ở đây không? Nếu còn, xin chạm vào màn hình. Nếu không, hồ sơ đang làm sẽ bị xóa sau ít giây.</source>
        <translation>Are you still there? If so, please touch the screen. If not, the application will be deleted in a few seconds.</translation>
    </message>
    <message id="guide.CardCheck">
        <source>Nếu thông tin trên thẻ đúng, xin bấm Đúng. Nếu chưa đúng, bấm Chưa đúng, gọi cán bộ.</source>
        <translation>If your card's details are right, press Correct. If not, press Not correct: call staff.</translation>
    </message>
    <message id="reason.journey.field_from_card">
        <source>Thông tin này lấy từ thẻ căn cước, không sửa được ở đây. Nếu sai, xin gọi cán bộ.</source>
        <translation>This comes from your ID card and cannot be changed here. If it is wrong, please call staff.</translation>
    </message>
    <message id="reason.journey.card_data_invalid">
        <source>Thông tin trên thẻ chưa dùng được cho hồ sơ này. Xin bấm Gọi cán bộ để được giúp.</source>
        <translation>The details on your card cannot be used for this application. Please press Call staff for help.</translation>
    </message>
    <message id="reason.journey.nothing_to_undo">
        <source>Không còn trang nào để lấy lại.</source>
        <translation>There is no page to put back.</translation>
    </message>
    <message id="done.where">
        <source>Nơi nhận: %1. Giờ tiếp dân: %2.</source>
        <translation>Where: %1. Opening hours: %2.</translation>
    </message>
    <message id="lookup.officialCode">
        <source>Mã của cơ quan giải quyết: %1</source>
        <translation>The office's own code: %1</translation>
    </message>
    <message id="form.tapAnswer">
        <source>Xin chạm vào một câu trả lời.</source>
        <translation>Please touch one answer.</translation>
    </message>
    <message id="scan.whenDone">
        <source>Nếu đã quét hết các trang của giấy này, bấm Tiếp tục.</source>
        <translation>When every page of this paper is scanned, press Continue.</translation>
    </message>
    <message id="details.legend">
        <source>● bắt buộc    ○ chỉ khi cần</source>
        <translation>● required    ○ only when needed</translation>
    </message>
    <message id="done.bring">
        <source>Khi đến nhận, xin mang theo phiếu hẹn và thẻ căn cước.</source>
        <translation>When you come, please bring the slip and your ID card.</translation>
    </message>
    <message id="step.page">
        <source>trang %1/%2</source>
        <translation>page %1 of %2</translation>
    </message>
    <message id="home.hours">
        <source>Giờ tiếp dân tại Bộ phận Một cửa:</source>
        <translation>Opening hours of the one-stop office:</translation>
    </message>
    <message id="done.onTheSlip">
        <source>Phiếu hẹn ghi nơi nhận, giờ tiếp dân và giấy tờ cần mang theo.</source>
        <translation>The slip says where to collect, the opening hours and what to bring.</translation>
    </message>
    <message id="done.useCode">
        <source>Ông/bà dùng mã này để tra cứu hồ sơ.</source>
        <translation>Use this code to check on your application.</translation>
    </message>
    <message id="guide.ScanOptional">
        <source>Giấy này không phải ai cũng cần. Nếu có, đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Nếu không có, bấm Tôi không có giấy này, bỏ qua.</source>
        <translation>Not everyone needs this paper. If you have it, put it in the tray, text down, and press Scan. If not, press I don't have this paper: skip.</translation>
    </message>
    <message id="guide.TechEntry">
        <source>Màn hình này dành cho kỹ thuật viên. Nếu ông/bà là người dân, xin bấm Quay lại.</source>
        <translation>This screen is for technicians. If you came to submit an application, press Back.</translation>
    </message>
    <message id="guide.Technician">
        <source>Chế độ kỹ thuật. Bấm Thoát khi làm xong.</source>
        <translation>Technician mode. Press Exit when done.</translation>
    </message>
    <message id="tech.entry.title">
        <source>Dành cho kỹ thuật viên</source>
        <translation>For technicians</translation>
    </message>
    <message id="tech.entry.how">
        <source>Nhập mã PIN kỹ thuật rồi bấm Vào, hoặc đưa thẻ kỹ thuật viên (mã QR) vào máy đọc mã.</source>
        <translation>Type the technician PIN and press Enter, or hold your technician badge (QR code) to the reader.</translation>
    </message>
    <message id="tech.entry.clear">
        <source>Xóa</source>
        <translation>Clear</translation>
    </message>
    <message id="tech.entry.ok">
        <source>Vào</source>
        <translation>Enter</translation>
    </message>
    <message id="tech.entry.wrongPin">
        <source>Mã PIN không đúng. Còn %1 lần thử.</source>
        <translation>Wrong PIN. %1 tries left.</translation>
    </message>
    <message id="tech.entry.locked">
        <source>Nhập sai quá nhiều lần: việc nhập PIN bị khóa đến %1. Có thể dùng thẻ kỹ thuật viên.</source>
        <translation>Too many wrong PINs: PIN entry is locked until %1. A technician badge still works.</translation>
    </message>
    <message id="tech.entry.noPin">
        <source>Máy chưa có mã PIN kỹ thuật. Dùng thẻ kỹ thuật viên; mã PIN được đặt khi cài đặt máy.</source>
        <translation>No technician PIN is set. Use a badge; the PIN is set when the kiosk is installed.</translation>
    </message>
    <message id="tech.entry.noKey">
        <source>Máy chưa đăng ký với máy chủ tỉnh nên chưa kiểm tra được thẻ. Dùng mã PIN.</source>
        <translation>The kiosk is not enrolled with the province's server, so badges cannot be checked yet. Use the PIN.</translation>
    </message>
    <message id="tech.entry.citizenSubmitting">
        <source>Máy đang lưu hồ sơ của người dân. Xin chờ vài giây rồi thử lại.</source>
        <translation>The kiosk is storing a citizen's application. Wait a few seconds and try again.</translation>
    </message>
    <message id="tech.badge.notBadge">
        <source>Mã vừa đọc không phải thẻ kỹ thuật viên.</source>
        <translation>The code read is not a technician badge.</translation>
    </message>
    <message id="tech.badge.malformed">
        <source>Thẻ không đọc được hoặc bị hỏng.</source>
        <translation>The badge cannot be read or is damaged.</translation>
    </message>
    <message id="tech.badge.bad_signature">
        <source>Thẻ không do máy chủ tỉnh cấp.</source>
        <translation>The badge was not issued by the province's server.</translation>
    </message>
    <message id="tech.badge.not_yet_valid">
        <source>Thẻ chưa đến thời gian sử dụng (hoặc đồng hồ của máy bị sai).</source>
        <translation>The badge is not valid yet (or the kiosk's clock is wrong).</translation>
    </message>
    <message id="tech.badge.expired">
        <source>Thẻ đã hết hạn. Xin cấp thẻ mới.</source>
        <translation>The badge has expired. Ask for a new one.</translation>
    </message>
    <message id="tech.badge.other_kiosk">
        <source>Thẻ này không dùng cho máy này.</source>
        <translation>This badge is not for this kiosk.</translation>
    </message>
    <message id="tech.badge.other_area">
        <source>Thẻ này dùng cho địa bàn khác.</source>
        <translation>This badge is for another area.</translation>
    </message>
    <message id="tech.title">
        <source>Chế độ kỹ thuật</source>
        <translation>Technician mode</translation>
    </message>
    <message id="tech.who">
        <source>Người vào: %1</source>
        <translation>Signed in: %1</translation>
    </message>
    <message id="tech.leave">
        <source>Thoát</source>
        <translation>Exit</translation>
    </message>
    <message id="tech.failed">
        <source>Không làm được: %1</source>
        <translation>Could not be done: %1</translation>
    </message>
    <message id="tech.section.status">
        <source>Tình trạng</source>
        <translation>Status</translation>
    </message>
    <message id="tech.section.devices">
        <source>Thiết bị</source>
        <translation>Devices</translation>
    </message>
    <message id="tech.section.network">
        <source>Mạng</source>
        <translation>Network</translation>
    </message>
    <message id="tech.section.outbox">
        <source>Hồ sơ chờ gửi</source>
        <translation>Outbox</translation>
    </message>
    <message id="tech.section.log">
        <source>Nhật ký</source>
        <translation>Log</translation>
    </message>
    <message id="tech.status.intro">
        <source>Kết quả kiểm tra máy. Mục có dấu ✗ hoặc ! cần xử lý.</source>
        <translation>The kiosk's checks. Items marked ✗ or ! need attention.</translation>
    </message>
    <message id="tech.status.running">
        <source>Đang kiểm tra…</source>
        <translation>Checking…</translation>
    </message>
    <message id="tech.status.again">
        <source>Kiểm tra lại</source>
        <translation>Check again</translation>
    </message>
    <message id="tech.devices.qr">
        <source>Máy đọc mã QR</source>
        <translation>QR reader</translation>
    </message>
    <message id="tech.devices.qrHold">
        <source>Đưa một mã QR vào máy đọc để thử.</source>
        <translation>Hold a QR code to the reader to test it.</translation>
    </message>
    <message id="tech.devices.qrRead">
        <source>Đã đọc được: %1</source>
        <translation>Read: %1</translation>
    </message>
    <message id="tech.devices.scanner">
        <source>Máy quét giấy tờ</source>
        <translation>Document scanner</translation>
    </message>
    <message id="tech.devices.scanTest">
        <source>Quét thử</source>
        <translation>Test scan</translation>
    </message>
    <message id="tech.devices.scanning">
        <source>Đang quét…</source>
        <translation>Scanning…</translation>
    </message>
    <message id="tech.devices.scanResult">
        <source>%1 trang, trung bình %2 KB/trang. Cảnh báo: %3</source>
        <translation>%1 pages, %2 KB a page on average. Flags: %3</translation>
    </message>
    <message id="tech.devices.noFlags">
        <source>không có</source>
        <translation>none</translation>
    </message>
    <message id="tech.devices.printer">
        <source>Máy in phiếu hẹn</source>
        <translation>Slip printer</translation>
    </message>
    <message id="tech.devices.printerStatus">
        <source>Tình trạng: %1</source>
        <translation>Status: %1</translation>
    </message>
    <message id="tech.devices.printTest">
        <source>In thử</source>
        <translation>Test print</translation>
    </message>
    <message id="tech.devices.printing">
        <source>Đang in…</source>
        <translation>Printing…</translation>
    </message>
    <message id="tech.devices.printed">
        <source>Đã in trang thử. Xem thước đo: hai mép phải in đủ.</source>
        <translation>Test page printed. Check the ruler: both edges must print.</translation>
    </message>
    <message id="tech.devices.notPrinted">
        <source>Không in được: %1</source>
        <translation>Not printed: %1</translation>
    </message>
    <message id="tech.printer.ready">
        <source>sẵn sàng</source>
        <translation>ready</translation>
    </message>
    <message id="tech.printer.paper_near_end">
        <source>sắp hết giấy</source>
        <translation>paper near end</translation>
    </message>
    <message id="tech.printer.paper_out">
        <source>hết giấy</source>
        <translation>out of paper</translation>
    </message>
    <message id="tech.printer.cover_open">
        <source>nắp đang mở</source>
        <translation>cover open</translation>
    </message>
    <message id="tech.printer.offline">
        <source>không kết nối</source>
        <translation>offline</translation>
    </message>
    <message id="tech.printer.unknown">
        <source>máy in không báo</source>
        <translation>not reported by the printer</translation>
    </message>
    <message id="tech.devices.screen">
        <source>Màn hình và loa</source>
        <translation>Screen and speaker</translation>
    </message>
    <message id="tech.devices.touchTest">
        <source>Thử cảm ứng</source>
        <translation>Touch test</translation>
    </message>
    <message id="tech.devices.touchDone">
        <source>Xong</source>
        <translation>Done</translation>
    </message>
    <message id="tech.devices.touchOk">
        <source>Chạm được cả bốn góc và giữa màn hình.</source>
        <translation>All four corners and the middle respond.</translation>
    </message>
    <message id="tech.devices.touchFailed">
        <source>Có chỗ chạm không được: kiểm tra lại màn hình cảm ứng.</source>
        <translation>Some targets were not reached: check the touch screen.</translation>
    </message>
    <message id="tech.devices.speakerTest">
        <source>Thử loa</source>
        <translation>Speaker test</translation>
    </message>
    <message id="tech.devices.speakerSample">
        <source>Xin chào. Đây là tiếng đọc thử của máy nộp hồ sơ.</source>
        <translation>Hello. This is the kiosk's read-aloud test.</translation>
    </message>
    <message id="tech.network.noControl">
        <source>Máy này không có NetworkManager nên không chỉnh Wi-Fi ở đây được.</source>
        <translation>This machine has no NetworkManager, so Wi-Fi cannot be set up here.</translation>
    </message>
    <message id="tech.network.scan">
        <source>Tìm mạng</source>
        <translation>Find networks</translation>
    </message>
    <message id="tech.network.scanning">
        <source>Đang tìm…</source>
        <translation>Searching…</translation>
    </message>
    <message id="tech.network.join">
        <source>Kết nối</source>
        <translation>Connect</translation>
    </message>
    <message id="tech.network.forget">
        <source>Quên mạng</source>
        <translation>Forget</translation>
    </message>
    <message id="tech.network.joining">
        <source>Kết nối với %1</source>
        <translation>Connect to %1</translation>
    </message>
    <message id="tech.network.passphrase">
        <source>Mật khẩu Wi-Fi</source>
        <translation>Wi-Fi password</translation>
    </message>
    <message id="tech.outbox.none">
        <source>Máy này không có hồ sơ chờ gửi trên đĩa.</source>
        <translation>This kiosk has no outbox on disk.</translation>
    </message>
    <message id="tech.outbox.loading">
        <source>Đang đọc hồ sơ chờ gửi…</source>
        <translation>Reading the outbox…</translation>
    </message>
    <message id="tech.outbox.summary">
        <source>Chờ gửi: %1 · Đang gửi: %2 · Cần xử lý: %3 · Đã gửi xong: %4.</source>
        <translation>Waiting: %1 · Sending: %2 · Needs attention: %3 · Delivered: %4.</translation>
    </message>
    <message id="tech.outbox.oldest">
        <source>Hồ sơ chờ lâu nhất: %1 phút.</source>
        <translation>Oldest waiting: %1 min.</translation>
    </message>
    <message id="tech.outbox.retryAll">
        <source>Gửi lại tất cả</source>
        <translation>Retry all</translation>
    </message>
    <message id="tech.outbox.retry">
        <source>Gửi lại</source>
        <translation>Retry</translation>
    </message>
    <message id="tech.outbox.export">
        <source>Chép ra USB</source>
        <translation>Copy to USB</translation>
    </message>
    <message id="tech.outbox.exporting">
        <source>Đang chép…</source>
        <translation>Copying…</translation>
    </message>
    <message id="tech.outbox.state.queued">
        <source>chờ gửi</source>
        <translation>waiting</translation>
    </message>
    <message id="tech.outbox.state.uploading">
        <source>đang gửi</source>
        <translation>sending</translation>
    </message>
    <message id="tech.outbox.state.uploaded">
        <source>chờ mã chính thức</source>
        <translation>waiting for the official code</translation>
    </message>
    <message id="tech.outbox.state.submitted">
        <source>đã gửi xong</source>
        <translation>delivered</translation>
    </message>
    <message id="tech.outbox.state.needs_attention">
        <source>cần xử lý</source>
        <translation>needs attention</translation>
    </message>
    <message id="tech.log.intro">
        <source>Nhật ký gần đây của máy (số định danh đã được che).</source>
        <translation>The kiosk's recent log (ID numbers masked).</translation>
    </message>
    <message id="tech.log.export">
        <source>Chép nhật ký ra USB</source>
        <translation>Copy log to USB</translation>
    </message>
    <message id="tech.care.exported">
        <source>Đã chép %count hồ sơ vào tệp %file trên USB. Mang tệp này đến máy chủ tỉnh để nhập.</source>
        <translation>Copied %count applications to %file on the USB stick. Take it to the province's server to import.</translation>
    </message>
    <message id="tech.care.log_exported">
        <source>Đã chép nhật ký vào tệp %file trên USB.</source>
        <translation>Log copied to %file on the USB stick.</translation>
    </message>
    <message id="tech.care.no_stick">
        <source>Không thấy USB. Cắm USB rồi thử lại.</source>
        <translation>No USB stick found. Plug one in and try again.</translation>
    </message>
    <message id="tech.care.export_failed">
        <source>Chưa chép được: %detail</source>
        <translation>Not copied: %detail</translation>
    </message>
    <message id="tech.care.write_failed">
        <source>USB không ghi được (đầy, bị rút hoặc chỉ đọc): %detail</source>
        <translation>The USB stick could not be written (full, removed or read-only): %detail</translation>
    </message>
    <message id="tech.whoPin">
        <source>Vào bằng mã PIN kỹ thuật</source>
        <translation>Signed in with the technician PIN</translation>
    </message>
    <message id="tech.export.no_sealing_key">
        <source>máy chưa đăng ký với máy chủ tỉnh (chưa có khóa để mã hóa)</source>
        <translation>the kiosk is not enrolled (no key to encrypt to)</translation>
    </message>
    <message id="tech.export.bad_sealing_key">
        <source>khóa mã hóa trong cấu hình bị hỏng</source>
        <translation>the encryption key in the configuration is damaged</translation>
    </message>
    <message id="tech.export.nothing_to_export">
        <source>không có hồ sơ nào đang chờ gửi</source>
        <translation>there is no unsent application</translation>
    </message>
    <message id="tech.export.unknown_dossier">
        <source>không tìm thấy hồ sơ đã chọn</source>
        <translation>the selected application was not found</translation>
    </message>
    <message id="tech.export.already_delivered">
        <source>hồ sơ đã chọn đã được gửi xong</source>
        <translation>the selected application was already delivered</translation>
    </message>
    <message id="tech.export.too_many">
        <source>quá nhiều hồ sơ cho một lần chép</source>
        <translation>too many applications for one copy</translation>
    </message>
    <message id="tech.export.not_in_format">
        <source>có hồ sơ không chép được theo định dạng</source>
        <translation>an application does not fit the export format</translation>
    </message>
    <message id="tech.export.target_missing">
        <source>USB đã bị rút ra</source>
        <translation>the USB stick was removed</translation>
    </message>
    <message id="tech.export.target_read_only">
        <source>USB chỉ cho đọc</source>
        <translation>the USB stick is read-only</translation>
    </message>
    <message id="tech.export.disk_full">
        <source>USB đã đầy</source>
        <translation>the USB stick is full</translation>
    </message>
    <message id="tech.export.target_failed">
        <source>USB bị lỗi khi ghi</source>
        <translation>the USB stick failed while writing</translation>
    </message>
    <message id="tech.export.file_exists">
        <source>trên USB đã có tệp cùng tên; xin thử lại sau một giây</source>
        <translation>a file of the same name is already there; try again in a second</translation>
    </message>
    <message id="tech.export.dossier_unreadable">
        <source>bản lưu của một hồ sơ bị hỏng</source>
        <translation>a stored application is damaged</translation>
    </message>
    <message id="tech.export.outbox_unavailable">
        <source>hồ sơ chờ gửi đang bận hoặc bị lỗi</source>
        <translation>the outbox is busy or damaged</translation>
    </message>
    <message id="tech.network.reading">
        <source>Đang đọc tình trạng mạng…</source>
        <translation>Reading the network's state…</translation>
    </message>
    <message id="tech.network.connected">
        <source>Đã kết nối: %1, địa chỉ %2.</source>
        <translation>Connected: %1, address %2.</translation>
    </message>
    <message id="tech.network.notConnected">
        <source>Chưa kết nối Wi-Fi. Chọn một mạng rồi bấm Kết nối.</source>
        <translation>Not connected to Wi-Fi. Choose a network and press Connect.</translation>
    </message>
    <message id="tech.wifi.unavailable">
        <source>Không liên lạc được với NetworkManager.</source>
        <translation>NetworkManager cannot be reached.</translation>
    </message>
    <message id="tech.wifi.no_wifi_device">
        <source>Máy không có bộ thu Wi-Fi.</source>
        <translation>The kiosk has no Wi-Fi adapter.</translation>
    </message>
    <message id="tech.wifi.wifi_disabled">
        <source>Wi-Fi đang tắt.</source>
        <translation>Wi-Fi is switched off.</translation>
    </message>
    <message id="tech.wifi.not_found">
        <source>Không thấy mạng này nữa. Bấm Tìm mạng rồi thử lại.</source>
        <translation>That network is no longer in range. Find networks and try again.</translation>
    </message>
    <message id="tech.wifi.passphrase_required">
        <source>Mạng này cần mật khẩu.</source>
        <translation>This network needs a password.</translation>
    </message>
    <message id="tech.wifi.invalid_passphrase">
        <source>Mật khẩu không hợp lệ (WPA cần 8 đến 63 ký tự).</source>
        <translation>The password is not valid (WPA needs 8 to 63 characters).</translation>
    </message>
    <message id="tech.wifi.wrong_passphrase">
        <source>Sai mật khẩu Wi-Fi.</source>
        <translation>Wrong Wi-Fi password.</translation>
    </message>
    <message id="tech.wifi.unsupported_security">
        <source>Máy chưa hỗ trợ kiểu bảo mật của mạng này.</source>
        <translation>This network's security is not supported.</translation>
    </message>
    <message id="tech.wifi.no_address">
        <source>Đã vào mạng nhưng không nhận được địa chỉ IP.</source>
        <translation>Joined, but no IP address was given.</translation>
    </message>
    <message id="tech.wifi.timeout">
        <source>Kết nối quá lâu không xong. Thử lại.</source>
        <translation>Connecting took too long. Try again.</translation>
    </message>
    <message id="tech.wifi.permission_denied">
        <source>Máy không được phép đổi mạng (thiếu quyền polkit).</source>
        <translation>The kiosk may not change networks (polkit permission missing).</translation>
    </message>
    <message id="tech.wifi.failed">
        <source>Không kết nối được.</source>
        <translation>Could not connect.</translation>
    </message>
    <message id="tech.enrol.how">
        <source>Đăng ký máy với máy chủ tỉnh: đưa mã đăng ký (QR) do máy chủ tỉnh cấp vào máy đọc khi màn hình này đang mở.</source>
        <translation>Enrol this kiosk: hold the enrolment code (QR) from the province's server to the reader while this shows.</translation>
    </message>
    <message id="tech.enrol.working">
        <source>Đang đăng ký với máy chủ tỉnh…</source>
        <translation>Enrolling…</translation>
    </message>
    <message id="tech.enrol.done">
        <source>Đã đăng ký máy %1 với máy chủ tỉnh %2. Bấm Khởi động lại để dùng cấu hình mới.</source>
        <translation>Kiosk %1 enrolled with %2. Press Restart to use the new configuration.</translation>
    </message>
    <message id="tech.enrol.restart">
        <source>Khởi động lại</source>
        <translation>Restart</translation>
    </message>
    <message id="tech.enrol.invalid_code">
        <source>Đây không phải mã đăng ký.</source>
        <translation>This is not an enrolment code.</translation>
    </message>
    <message id="tech.enrol.bad_gateway_url">
        <source>Mã này dành cho máy chủ khác, không phải máy chủ tỉnh của máy này.</source>
        <translation>This code is for another server, not this kiosk's.</translation>
    </message>
    <message id="tech.enrol.code_unknown">
        <source>Máy chủ tỉnh không biết mã này. Xin cấp mã mới.</source>
        <translation>The server does not know this code. Ask for a new one.</translation>
    </message>
    <message id="tech.enrol.code_used">
        <source>Mã này đã được dùng. Xin cấp mã mới.</source>
        <translation>This code has been used. Ask for a new one.</translation>
    </message>
    <message id="tech.enrol.code_expired">
        <source>Mã này đã hết hạn. Xin cấp mã mới.</source>
        <translation>This code has expired. Ask for a new one.</translation>
    </message>
    <message id="tech.enrol.proof_invalid">
        <source>Máy chủ tỉnh không xác minh được khóa của máy. Kiểm tra phiên bản phần mềm rồi thử lại.</source>
        <translation>The server could not verify the kiosk's key. Check the software versions and try again.</translation>
    </message>
    <message id="tech.enrol.refused">
        <source>Máy chủ tỉnh từ chối đăng ký.</source>
        <translation>The server refused the enrolment.</translation>
    </message>
    <message id="tech.enrol.unreachable">
        <source>Không liên lạc được với máy chủ tỉnh. Xem mục Mạng và kết quả kiểm tra; chưa có gì thay đổi.</source>
        <translation>The server cannot be reached. See Network and the checks; nothing was changed.</translation>
    </message>
    <message id="tech.enrol.bad_answer">
        <source>Máy chủ tỉnh trả lời sai giao thức; mã có thể đã bị dùng. Xin mã mới.</source>
        <translation>The server's answer breaks the protocol; the code is probably spent. Ask for a new one.</translation>
    </message>
    <message id="tech.enrol.not_saved">
        <source>Đã đăng ký nhưng máy không lưu được cấu hình (đĩa đầy hoặc thiếu quyền). Cần mã mới.</source>
        <translation>Enrolled, but the kiosk could not save its configuration (disk full or permissions). A new code is needed.</translation>
    </message>
    <message id="tech.setup.title">
        <source>Đổi thiết bị</source>
        <translation>Change a device</translation>
    </message>
    <message id="tech.setup.kind.qr">
        <source>Máy đọc mã QR</source>
        <translation>QR reader</translation>
    </message>
    <message id="tech.setup.kind.scanner">
        <source>Máy quét</source>
        <translation>Scanner</translation>
    </message>
    <message id="tech.setup.kind.printer">
        <source>Máy in</source>
        <translation>Printer</translation>
    </message>
    <message id="tech.setup.driver.camera">
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message id="tech.setup.driver.serial">
        <source>Cổng nối tiếp</source>
        <translation>Serial port</translation>
    </message>
    <message id="tech.setup.driver.keyboard">
        <source>Đầu đọc USB (kiểu bàn phím)</source>
        <translation>USB reader (keyboard wedge)</translation>
    </message>
    <message id="tech.setup.driver.sane">
        <source>SANE</source>
        <translation>SANE</translation>
    </message>
    <message id="tech.setup.driver.usb">
        <source>USB</source>
        <translation>USB</translation>
    </message>
    <message id="tech.setup.driver.network">
        <source>Mạng</source>
        <translation>Network</translation>
    </message>
    <message id="tech.setup.driver.file">
        <source>Tệp thiết bị</source>
        <translation>Device file</translation>
    </message>
    <message id="tech.setup.where.camera">
        <source>Số camera (0, 1…)</source>
        <translation>Camera number (0, 1…)</translation>
    </message>
    <message id="tech.setup.where.serial">
        <source>Cổng, ví dụ /dev/ttyACM0</source>
        <translation>Port, e.g. /dev/ttyACM0</translation>
    </message>
    <message id="tech.setup.where.keyboard">
        <source>Thiết bị, ví dụ /dev/input/by-id/…-event-kbd</source>
        <translation>Device, e.g. /dev/input/by-id/…-event-kbd</translation>
    </message>
    <message id="tech.setup.where.sane">
        <source>Tên thiết bị SANE (để trống: máy đầu tiên tìm thấy)</source>
        <translation>SANE device name (empty: the first found)</translation>
    </message>
    <message id="tech.setup.where.usb">
        <source>Mã USB vvvv:pppp, ví dụ 04b8:0e15</source>
        <translation>USB ids vvvv:pppp, e.g. 04b8:0e15</translation>
    </message>
    <message id="tech.setup.where.network">
        <source>Địa chỉ máy in, ví dụ 192.168.1.50:9100</source>
        <translation>Printer address, e.g. 192.168.1.50:9100</translation>
    </message>
    <message id="tech.setup.where.file">
        <source>Tệp thiết bị, ví dụ /dev/usb/lp0</source>
        <translation>Device file, e.g. /dev/usb/lp0</translation>
    </message>
    <message id="tech.setup.option.scanner">
        <source>Nguồn giấy: feeder, flatbed hoặc duplex</source>
        <translation>Source: feeder, flatbed or duplex</translation>
    </message>
    <message id="tech.setup.option.printer">
        <source>Loại máy in (profile), ví dụ TM-T20II</source>
        <translation>Printer profile, e.g. TM-T20II</translation>
    </message>
    <message id="tech.setup.try">
        <source>Thử và lưu</source>
        <translation>Try and save</translation>
    </message>
    <message id="tech.setup.trying">
        <source>Đang thử thiết bị…</source>
        <translation>Trying the device…</translation>
    </message>
    <message id="tech.setup.saved">
        <source>Thiết bị trả lời: %1. Đã lưu cấu hình; khởi động lại để dùng.</source>
        <translation>The device answered: %1. Saved; restart to use it.</translation>
    </message>
    <message id="tech.setup.notSaved">
        <source>Thiết bị không trả lời đúng: %1. Chưa lưu gì.</source>
        <translation>The device did not answer: %1. Nothing was saved.</translation>
    </message>
    <message id="tech.setup.badChoice">
        <source>Lựa chọn chưa đúng (%1): %2. Chưa lưu gì.</source>
        <translation>The choice is not valid (%1): %2. Nothing was saved.</translation>
    </message>
    <message id="tech.check.configuration">
        <source>Cấu hình</source>
        <translation>Configuration</translation>
    </message>
    <message id="tech.check.enrolment">
        <source>Đăng ký với máy chủ tỉnh</source>
        <translation>Enrolment</translation>
    </message>
    <message id="tech.check.technician_pin">
        <source>Mã PIN kỹ thuật</source>
        <translation>Technician PIN</translation>
    </message>
    <message id="tech.check.qr_reader">
        <source>Máy đọc mã QR</source>
        <translation>QR reader</translation>
    </message>
    <message id="tech.check.scanner">
        <source>Máy quét</source>
        <translation>Scanner</translation>
    </message>
    <message id="tech.check.printer">
        <source>Máy in</source>
        <translation>Printer</translation>
    </message>
    <message id="tech.check.gateway_dns">
        <source>Tên miền máy chủ tỉnh</source>
        <translation>Server name (DNS)</translation>
    </message>
    <message id="tech.check.gateway_connect">
        <source>Kết nối đến máy chủ tỉnh</source>
        <translation>Server connection</translation>
    </message>
    <message id="tech.check.gateway_tls">
        <source>Chứng chỉ bảo mật (TLS)</source>
        <translation>TLS certificate</translation>
    </message>
    <message id="tech.check.gateway_auth">
        <source>Xác thực với máy chủ tỉnh</source>
        <translation>Server authentication</translation>
    </message>
    <message id="tech.check.clock">
        <source>Đồng hồ của máy</source>
        <translation>Kiosk clock</translation>
    </message>
    <message id="tech.check.sync">
        <source>Đồng bộ hồ sơ</source>
        <translation>Sync</translation>
    </message>
    <message id="tech.check.outbox">
        <source>Hồ sơ chờ gửi</source>
        <translation>Outbox</translation>
    </message>
    <message id="tech.check.disk">
        <source>Dung lượng đĩa</source>
        <translation>Disk space</translation>
    </message>
    <message id="tech.check.versions">
        <source>Phiên bản</source>
        <translation>Versions</translation>
    </message>
    <message id="tech.enrol.noConfigFile">
        <source>Máy chạy không có tệp cấu hình nên không đăng ký ở đây được.</source>
        <translation>The kiosk runs without a configuration file, so it cannot enrol here.</translation>
    </message>
    <message id="tech.enrol.actor">
        <source>mã đăng ký (máy mới)</source>
        <translation>enrolment code (new kiosk)</translation>
    </message>
    <message id="tech.entry.howEnrol">
        <source>Máy chưa đăng ký: đưa mã đăng ký do máy chủ tỉnh cấp vào máy đọc mã.</source>
        <translation>This kiosk is not enrolled: hold the enrolment code from the province's server to the reader.</translation>
    </message>
    <message id="tech.entry.unrecordable">
        <source>Máy không ghi được số lần nhập (đĩa đầy?) nên tạm không nhận mã PIN. Dùng thẻ kỹ thuật viên.</source>
        <translation>The kiosk cannot record PIN tries (disk full?), so the PIN is refused for now. Use a badge.</translation>
    </message>
    <message id="tech.devices.qrCard">
        <source>thẻ căn cước số %1</source>
        <translation>ID card %1</translation>
    </message>
    <message id="tech.devices.noSpeech">
        <source>Máy chưa có giọng đọc (espeak-ng) nên không thử loa được.</source>
        <translation>No speech engine (espeak-ng) is installed, so the speaker cannot be tested.</translation>
    </message>
    <message id="tech.network.secured">
        <source>có mật khẩu</source>
        <translation>password</translation>
    </message>
    <message id="tech.gateway.title">
        <source>Máy chủ tỉnh</source>
        <translation>The province's server</translation>
    </message>
    <message id="tech.gateway.url">
        <source>Địa chỉ máy chủ tỉnh (https://…)</source>
        <translation>Server address (https://…)</translation>
    </message>
    <message id="tech.gateway.caFile">
        <source>Tệp chứng chỉ gốc (CA) nếu cần, ví dụ /etc/kiosk/ca.pem</source>
        <translation>CA bundle file if needed, e.g. /etc/kiosk/ca.pem</translation>
    </message>
    <message id="tech.gateway.proxy">
        <source>Máy chủ proxy nếu cần, ví dụ http://10.0.0.1:3128</source>
        <translation>Proxy if needed, e.g. http://10.0.0.1:3128</translation>
    </message>
    <message id="tech.gateway.trying">
        <source>Đang kiểm tra kết nối…</source>
        <translation>Checking the link…</translation>
    </message>
    <message id="tech.gateway.saved">
        <source>Kết nối được và đã lưu; khởi động lại để dùng.</source>
        <translation>The link works; saved. Restart to use it.</translation>
    </message>
    <message id="tech.gateway.notSaved">
        <source>Chưa lưu gì. %1</source>
        <translation>Nothing was saved. %1</translation>
    </message>
    <message id="tech.camera.exposureAuto">
        <source>Phơi sáng tự động</source>
        <translation>Automatic exposure</translation>
    </message>
    <message id="tech.camera.focusAuto">
        <source>Lấy nét tự động</source>
        <translation>Autofocus</translation>
    </message>
    <message id="tech.camera.save">
        <source>Lưu độ sáng và nét</source>
        <translation>Keep exposure and focus</translation>
    </message>
    <message id="tech.camera.saved">
        <source>Đã lưu; máy dùng lại sau khi khởi động.</source>
        <translation>Saved; used again after a restart.</translation>
    </message>
    <message id="tech.camera.notSaved">
        <source>Chưa lưu được.</source>
        <translation>Could not be saved.</translation>
    </message>
    <message id="tech.setup.findScanners">
        <source>Tìm máy quét</source>
        <translation>Find scanners</translation>
    </message>
    <message id="tech.setup.noScanner">
        <source>Không tìm thấy máy quét nào. Kiểm tra cáp USB và nguồn điện.</source>
        <translation>No scanner found. Check the USB cable and the power.</translation>
    </message>
    <message id="tech.setup.source.feeder">
        <source>Khay nạp giấy</source>
        <translation>Feeder</translation>
    </message>
    <message id="tech.setup.source.flatbed">
        <source>Mặt kính</source>
        <translation>Flatbed</translation>
    </message>
    <message id="tech.setup.source.duplex">
        <source>Nạp giấy hai mặt</source>
        <translation>Duplex feeder</translation>
    </message>
    <message id="tech.firstRun.title">
        <source>Cài đặt lần đầu</source>
        <translation>First-time set-up</translation>
    </message>
    <message id="tech.firstRun.howCode">
        <source>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên đưa mã đăng ký do máy chủ tỉnh cấp cho kiosk này vào máy đọc mã.</source>
        <translation>This kiosk is not enrolled with the province's server yet, so it takes no applications. Technician: hold the enrolment code the province's server issued for this kiosk to the code reader.</translation>
    </message>
    <message id="tech.firstRun.howPin">
        <source>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên nhập mã PIN kỹ thuật rồi bấm Vào, sau đó đăng ký kiosk ở mục Tình trạng.</source>
        <translation>This kiosk is not enrolled with the province's server yet, so it takes no applications. Technician: enter the technician PIN, press Enter, then enrol the kiosk under Status.</translation>
    </message>
    <message id="fault.title">
        <source>Kiosk đang tạm ngừng phục vụ</source>
        <translation>This kiosk is out of service for now</translation>
    </message>
    <message id="fault.citizen">
        <source>Xin mời ông/bà đến quầy Bộ phận Một cửa để được cán bộ hỗ trợ nộp hồ sơ. Xin lỗi vì sự bất tiện này.</source>
        <translation>Please go to the one-stop counter, where the staff will help you submit your application. We are sorry for the inconvenience.</translation>
    </message>
    <message id="fault.technician">
        <source>Dành cho kỹ thuật viên: tệp cấu hình %1 không dùng được: %2. Sửa tệp (kiosk config check %1 để kiểm tra); kiosk tự khởi động lại khi tệp thay đổi.</source>
        <translation>For the technician: the configuration file %1 cannot be used: %2. Fix the file (kiosk config check %1 checks it); the kiosk starts again by itself when the file changes.</translation>
    </message>
    <message id="scan.check.other_document">
        <source>Giấy tờ vừa quét có vẻ là “%2”, không phải “%1”.</source>
        <translation>The paper just scanned looks like “%2”, not “%1”.</translation>
    </message>
    <message id="scan.check.blank">
        <source>Đầu trang giấy vừa quét để trống, không thấy tên “%1”. Có thể giấy bị đặt ngược mặt.</source>
        <translation>The top of the page just scanned is empty: the title “%1” is not there. The paper may be face up.</translation>
    </message>
    <message id="scan.check.upside_down">
        <source>Giấy tờ vừa quét có vẻ bị đặt ngược. Xin đặt “%1” với đầu trang vào trước rồi quét lại.</source>
        <translation>The paper just scanned seems to be upside down. Put “%1” in with the top edge first and scan it again.</translation>
    </message>
    <message id="scan.check.cut_off">
        <source>Giấy tờ vừa quét có vẻ bị mất một phần. Xin đặt thẳng “%1” vào khay rồi quét lại.</source>
        <translation>Part of the paper just scanned seems to be missing. Put “%1” straight in the tray and scan it again.</translation>
    </message>
    <message id="scan.check.unreadable">
        <source>Máy không đọc được tên giấy tờ vừa quét, nên chưa chắc đó là “%1”.</source>
        <translation>The kiosk could not read the title of the paper just scanned, so it is not sure it is “%1”.</translation>
    </message>
    <message id="scan.check.title">
        <source>Xin kiểm tra lại giấy tờ</source>
        <translation>Please check the paper</translation>
    </message>
    <message id="scan.check.choice">
        <source>Ông/bà có thể quét lại, hoặc vẫn nộp giấy tờ này nếu chắc chắn là đúng; cán bộ sẽ kiểm tra lại.</source>
        <translation>You can scan it again, or submit it anyway if you are sure it is right; staff will check it.</translation>
    </message>
    <message id="scan.check.keep">
        <source>Vẫn nộp giấy tờ này</source>
        <translation>Submit this paper anyway</translation>
    </message>
    <message id="scan.check.checking">
        <source>Đang kiểm tra giấy tờ vừa quét, xin chờ một chút…</source>
        <translation>Checking the paper just scanned, please wait a moment…</translation>
    </message>
    <message id="scan.check.kept">
        <source>Ông/bà đã chọn vẫn nộp giấy tờ này; cán bộ sẽ kiểm tra lại.</source>
        <translation>You chose to submit this paper anyway; staff will check it.</translation>
    </message>
    <message id="review.checkKept">
        <source>Có thể chưa đúng giấy tờ; cán bộ sẽ kiểm tra lại.</source>
        <translation>It may not be the right paper; staff will check it.</translation>
    </message>
    <message id="review.checkKeptList">
        <source>Cán bộ sẽ kiểm tra lại giấy tờ có thể chưa đúng: %1.</source>
        <translation>Staff will check the papers that may not be right: %1.</translation>
    </message>
</context>
</TS>
