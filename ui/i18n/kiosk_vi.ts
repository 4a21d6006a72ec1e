<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name />
    <message id="app.title">
        <source>Kiosk dịch vụ công</source>
        <translation>Kiosk dịch vụ công</translation>
    </message>
    <message id="common.back">
        <source>Quay lại</source>
        <translation>Quay lại</translation>
    </message>
    <message id="common.next">
        <source>Tiếp tục</source>
        <translation>Tiếp tục</translation>
    </message>
    <message id="common.home">
        <source>Về màn hình đầu</source>
        <translation>Về màn hình đầu</translation>
    </message>
    <message id="common.cancel">
        <source>Hủy hồ sơ</source>
        <translation>Hủy hồ sơ</translation>
    </message>
    <message id="common.callStaff">
        <source>Gọi cán bộ</source>
        <translation>Gọi cán bộ</translation>
    </message>
    <message id="common.language">
        <source>English</source>
        <translation>English</translation>
    </message>
    <message id="common.listen">
        <source>Nghe hướng dẫn</source>
        <translation>Nghe hướng dẫn</translation>
    </message>
    <message id="common.listen.stop">
        <source>Dừng đọc</source>
        <translation>Dừng đọc</translation>
    </message>
    <message id="home.welcome">
        <source>Kính chào ông/bà</source>
        <translation>Kính chào ông/bà</translation>
    </message>
    <message id="home.start">
        <source>Nộp hồ sơ</source>
        <translation>Nộp hồ sơ</translation>
    </message>
    <message id="home.lookup">
        <source>Xem hồ sơ đã nộp đến đâu</source>
        <translation>Xem hồ sơ đã nộp đến đâu</translation>
    </message>
    <message id="home.search.placeholder">
        <source>Tìm thủ tục, ví dụ: khai sinh, kết hôn</source>
        <translation>Tìm thủ tục, ví dụ: khai sinh, kết hôn</translation>
    </message>
    <message id="home.search.none">
        <source>Không tìm thấy thủ tục phù hợp. Xin gõ từ khác hoặc bấm Gọi cán bộ.</source>
        <translation>Không tìm thấy thủ tục phù hợp. Xin gõ từ khác hoặc bấm Gọi cán bộ.</translation>
    </message>
    <message id="home.category.all">
        <source>Tất cả</source>
        <translation>Tất cả</translation>
    </message>
    <message id="procedures.title">
        <source>Ông/bà muốn làm thủ tục gì?</source>
        <translation>Ông/bà muốn làm thủ tục gì?</translation>
    </message>
    <message id="details.documents">
        <source>Giấy tờ cần có</source>
        <translation>Giấy tờ cần có</translation>
    </message>
    <message id="details.showOnly">
        <source>mang theo khi nhận kết quả</source>
        <translation>mang theo khi nhận kết quả</translation>
    </message>
    <message id="details.fee">
        <source>Lệ phí</source>
        <translation>Lệ phí</translation>
    </message>
    <message id="details.time">
        <source>Thời hạn giải quyết</source>
        <translation>Thời hạn giải quyết</translation>
    </message>
    <message id="details.start">
        <source>Làm thủ tục này</source>
        <translation>Làm thủ tục này</translation>
    </message>
    <message id="identify.title">
        <source>Quét thẻ căn cước hoặc mã VNeID</source>
        <translation>Quét thẻ căn cước hoặc mã VNeID</translation>
    </message>
    <message id="identify.how">
        <source>Cách làm:</source>
        <translation>Cách làm:</translation>
    </message>
    <message id="identify.step1">
        <source>Thẻ căn cước: đưa mặt có mã QR của thẻ vào máy đọc mã, cách khoảng một gang tay.</source>
        <translation>Thẻ căn cước: đưa mặt có mã QR của thẻ vào máy đọc mã, cách khoảng một gang tay.</translation>
    </message>
    <message id="identify.step2">
        <source>Hoặc điện thoại: mở ứng dụng VNeID, bấm vào biểu tượng mã QR ở màn hình chính.</source>
        <translation>Hoặc điện thoại: mở ứng dụng VNeID, bấm vào biểu tượng mã QR ở màn hình chính.</translation>
    </message>
    <message id="identify.step3">
        <source>Rồi đưa màn hình điện thoại vào máy đọc mã (không áp vào màn hình kiosk).</source>
        <translation>Rồi đưa màn hình điện thoại vào máy đọc mã (không áp vào màn hình kiosk).</translation>
    </message>
    <message id="identify.scannerModule">
        <source>Đưa mã QR vào máy đọc mã bên dưới màn hình</source>
        <translation>Đưa mã QR vào máy đọc mã bên dưới màn hình</translation>
    </message>
    <message id="identify.help">
        <source>Máy chưa đọc được mã. Xin giữ điện thoại yên, tăng độ sáng màn hình, đưa lại gần hơn một chút; hoặc bấm Gọi cán bộ để được giúp.</source>
        <translation>Máy chưa đọc được mã. Xin giữ điện thoại yên, tăng độ sáng màn hình, đưa lại gần hơn một chút; hoặc bấm Gọi cán bộ để được giúp.</translation>
    </message>
    <message id="form.verification.verified">
        <source>Đã xác minh danh tính với hệ thống định danh quốc gia.</source>
        <translation>Đã xác minh danh tính với hệ thống định danh quốc gia.</translation>
    </message>
    <message id="form.verification.pending">
        <source>Danh tính sẽ được xác minh sau (hệ thống đang bận). Ông/bà vẫn nộp hồ sơ bình thường.</source>
        <translation>Danh tính sẽ được xác minh sau (hệ thống đang bận). Ông/bà vẫn nộp hồ sơ bình thường.</translation>
    </message>
    <message id="form.verification.not_found">
        <source>Hệ thống định danh chưa xác minh được thông tin này. Ông/bà vẫn nộp được; cán bộ sẽ kiểm tra lại.</source>
        <translation>Hệ thống định danh chưa xác minh được thông tin này. Ông/bà vẫn nộp được; cán bộ sẽ kiểm tra lại.</translation>
    </message>
    <message id="scan.title">
        <source>Quét giấy tờ %1 / %2</source>
        <translation>Quét giấy tờ %1 / %2</translation>
    </message>
    <message id="scan.howto">
        <source>Đặt giấy tờ vào khay máy quét, mặt có chữ úp xuống, đầu trang vào trước, rồi bấm Quét.</source>
        <translation>Đặt giấy tờ vào khay máy quét, mặt có chữ úp xuống, đầu trang vào trước, rồi bấm Quét.</translation>
    </message>
    <message id="scan.start">
        <source>Quét</source>
        <translation>Quét</translation>
    </message>
    <message id="scan.more">
        <source>Quét thêm trang</source>
        <translation>Quét thêm trang</translation>
    </message>
    <message id="scan.stop">
        <source>Dừng quét</source>
        <translation>Dừng quét</translation>
    </message>
    <message id="scan.progress">
        <source>Đã quét %1 trang</source>
        <translation>Đã quét %1 trang</translation>
    </message>
    <message id="scan.page">
        <source>Trang %1</source>
        <translation>Trang %1</translation>
    </message>
    <message id="scan.remove">
        <source>Xóa trang</source>
        <translation>Xóa trang</translation>
    </message>
    <message id="scan.rescan">
        <source>Quét lại</source>
        <translation>Quét lại</translation>
    </message>
    <message id="scan.blank">
        <source>Các trang vừa quét đều trắng. Có thể giấy đã bị đặt ngược mặt; xin lật lại và quét lại.</source>
        <translation>Các trang vừa quét đều trắng. Có thể giấy đã bị đặt ngược mặt; xin lật lại và quét lại.</translation>
    </message>
    <message id="scan.full">
        <source>Giấy tờ này đã đủ số trang tối đa. Xin xóa bớt trang trước khi quét thêm.</source>
        <translation>Giấy tờ này đã đủ số trang tối đa. Xin xóa bớt trang trước khi quét thêm.</translation>
    </message>
    <message id="scan.takeOriginals">
        <source>Xin nhớ lấy lại bản gốc giấy tờ ở khay ra của máy quét.</source>
        <translation>Xin nhớ lấy lại bản gốc giấy tờ ở khay ra của máy quét.</translation>
    </message>
    <message id="scan.flag.too_dark">
        <source>Trang quá tối, xin quét lại</source>
        <translation>Trang quá tối, xin quét lại</translation>
    </message>
    <message id="scan.flag.low_contrast">
        <source>Chữ quá mờ, xin quét lại</source>
        <translation>Chữ quá mờ, xin quét lại</translation>
    </message>
    <message id="scan.flag.blurred">
        <source>Trang bị nhòe, xin quét lại</source>
        <translation>Trang bị nhòe, xin quét lại</translation>
    </message>
    <message id="scan.flag.cut_off">
        <source>Trang bị mất mép, xin đặt thẳng và quét lại</source>
        <translation>Trang bị mất mép, xin đặt thẳng và quét lại</translation>
    </message>
    <message id="scan.flag.orientation_uncertain">
        <source>Xin kiểm tra trang có bị ngược không</source>
        <translation>Xin kiểm tra trang có bị ngược không</translation>
    </message>
    <message id="review.title">
        <source>Kiểm tra lại hồ sơ trước khi nộp</source>
        <translation>Kiểm tra lại hồ sơ trước khi nộp</translation>
    </message>
    <message id="review.edit">
        <source>Sửa</source>
        <translation>Sửa</translation>
    </message>
    <message id="review.pages">
        <source>Đã quét %1 trang</source>
        <translation>Đã quét %1 trang</translation>
    </message>
    <message id="review.noPages">
        <source>Chưa quét</source>
        <translation>Chưa quét</translation>
    </message>
    <message id="review.submit">
        <source>Tiếp tục</source>
        <translation>Tiếp tục</translation>
    </message>
    <message id="confirm.title">
        <source>Xác nhận nộp hồ sơ</source>
        <translation>Xác nhận nộp hồ sơ</translation>
    </message>
    <message id="confirm.sms">
        <source>Máy đã gửi mã xác nhận bằng tin nhắn đến số %1.</source>
        <translation>Máy đã gửi mã xác nhận bằng tin nhắn đến số %1.</translation>
    </message>
    <message id="confirm.screen">
        <source>Để xác nhận nộp hồ sơ, xin nhập mã số dưới đây.</source>
        <translation>Để xác nhận nộp hồ sơ, xin nhập mã số dưới đây.</translation>
    </message>
    <message id="confirm.placeholder">
        <source>%1 chữ số</source>
        <translation>%1 chữ số</translation>
    </message>
    <message id="confirm.submit">
        <source>Nộp hồ sơ</source>
        <translation>Nộp hồ sơ</translation>
    </message>
    <message id="confirm.resend">
        <source>Gửi lại mã</source>
        <translation>Gửi lại mã</translation>
    </message>
    <message id="confirm.newCode">
        <source>Đổi mã khác</source>
        <translation>Đổi mã khác</translation>
    </message>
    <message id="done.title">
        <source>Nộp hồ sơ thành công</source>
        <translation>Nộp hồ sơ thành công</translation>
    </message>
    <message id="done.code">
        <source>Mã hồ sơ của ông/bà:</source>
        <translation>Mã hồ sơ của ông/bà:</translation>
    </message>
    <message id="done.appointment">
        <source>Ngày hẹn trả kết quả: %1</source>
        <translation>Ngày hẹn trả kết quả: %1</translation>
    </message>
    <message id="done.printing">
        <source>Đang in phiếu hẹn…</source>
        <translation>Đang in phiếu hẹn…</translation>
    </message>
    <message id="done.printed">
        <source>Xin nhận phiếu hẹn ở khe máy in và giữ cẩn thận.</source>
        <translation>Xin nhận phiếu hẹn ở khe máy in và giữ cẩn thận.</translation>
    </message>
    <message id="done.printFailed">
        <source>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình, hoặc bấm Gọi cán bộ để được in lại.</source>
        <translation>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình, hoặc bấm Gọi cán bộ để được in lại.</translation>
    </message>
    <message id="done.next">
        <source>Xong, không đánh giá</source>
        <translation>Xong, không đánh giá</translation>
    </message>
    <message id="rating.title">
        <source>Ông/bà có hài lòng với việc nộp hồ sơ hôm nay không?</source>
        <translation>Ông/bà có hài lòng với việc nộp hồ sơ hôm nay không?</translation>
    </message>
    <message id="rating.level1">
        <source>Rất không hài lòng</source>
        <translation>Rất không hài lòng</translation>
    </message>
    <message id="rating.level2">
        <source>Không hài lòng</source>
        <translation>Không hài lòng</translation>
    </message>
    <message id="rating.level3">
        <source>Bình thường</source>
        <translation>Bình thường</translation>
    </message>
    <message id="rating.level4">
        <source>Hài lòng</source>
        <translation>Hài lòng</translation>
    </message>
    <message id="rating.level5">
        <source>Rất hài lòng</source>
        <translation>Rất hài lòng</translation>
    </message>
    <message id="rating.why">
        <source>Vì sao ông/bà chưa hài lòng? Xin chạm một lý do:</source>
        <translation>Vì sao ông/bà chưa hài lòng? Xin chạm một lý do:</translation>
    </message>
    <message id="rating.reason.wait">
        <source>Phải chờ lâu</source>
        <translation>Phải chờ lâu</translation>
    </message>
    <message id="rating.reason.hard">
        <source>Máy khó sử dụng</source>
        <translation>Máy khó sử dụng</translation>
    </message>
    <message id="rating.reason.device">
        <source>Máy bị lỗi</source>
        <translation>Máy bị lỗi</translation>
    </message>
    <message id="rating.reason.documents">
        <source>Giấy tờ phức tạp</source>
        <translation>Giấy tờ phức tạp</translation>
    </message>
    <message id="rating.reason.other">
        <source>Lý do khác</source>
        <translation>Lý do khác</translation>
    </message>
    <message id="lookup.title">
        <source>Xem hồ sơ đã nộp đến đâu</source>
        <translation>Xem hồ sơ đã nộp đến đâu</translation>
    </message>
    <message id="lookup.howto">
        <source>Đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ in trên phiếu.</source>
        <translation>Đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ in trên phiếu.</translation>
    </message>
    <message id="lookup.placeholder">
        <source>Mã hồ sơ</source>
        <translation>Mã hồ sơ</translation>
    </message>
    <message id="lookup.submit">
        <source>Tra cứu</source>
        <translation>Tra cứu</translation>
    </message>
    <message id="lookup.code">
        <source>Mã hồ sơ: %1</source>
        <translation>Mã hồ sơ: %1</translation>
    </message>
    <message id="lookup.status">
        <source>Tình trạng: %1</source>
        <translation>Tình trạng: %1</translation>
    </message>
    <message id="lookup.appointment">
        <source>Ngày hẹn trả: %1</source>
        <translation>Ngày hẹn trả: %1</translation>
    </message>
    <message id="idle.title">
        <source>Ông/bà còn ở đây không?</source>
        <translation>Ông/bà còn ở đây không?</translation>
    </message>
    <message id="idle.body">
        <source>Nếu không có ai chạm vào màn hình, hồ sơ đang làm sẽ bị xóa để bảo vệ thông tin cá nhân.</source>
        <translation>Nếu không có ai chạm vào màn hình, hồ sơ đang làm sẽ bị xóa để bảo vệ thông tin cá nhân.</translation>
    </message>
    <message id="idle.stay">
        <source>Tôi vẫn ở đây</source>
        <translation>Tôi vẫn ở đây</translation>
    </message>
    <message id="sim.qr">
        <source>Mô phỏng: đưa mã QR VNeID mẫu</source>
        <translation>Mô phỏng: đưa mã QR VNeID mẫu</translation>
    </message>
    <message id="sim.slip">
        <source>Mô phỏng: đưa phiếu hẹn vừa in</source>
        <translation>Mô phỏng: đưa phiếu hẹn vừa in</translation>
    </message>
    <message id="sim.sms">
        <source>Mô phỏng: xem tin nhắn</source>
        <translation>Mô phỏng: xem tin nhắn</translation>
    </message>
    <message id="guide.Home">
        <source>Để nộp hồ sơ, xin bấm nút Nộp hồ sơ. Cần giúp thì bấm Gọi cán bộ.</source>
        <translation>Để nộp hồ sơ, xin bấm nút Nộp hồ sơ. Cần giúp thì bấm Gọi cán bộ.</translation>
    </message>
    <message id="guide.Procedures">
        <source>Xin chạm vào thủ tục cần làm, hoặc gõ tên thủ tục vào ô tìm kiếm.</source>
        <translation>Xin chạm vào thủ tục cần làm, hoặc gõ tên thủ tục vào ô tìm kiếm.</translation>
    </message>
    <message id="guide.Details">
        <source>Đây là giấy tờ cần có và lệ phí. Nếu đủ giấy tờ, xin bấm Làm thủ tục này.</source>
        <translation>Đây là giấy tờ cần có và lệ phí. Nếu đủ giấy tờ, xin bấm Làm thủ tục này.</translation>
    </message>
    <message id="guide.Identify">
        <source>Xin đưa mã QR trên thẻ căn cước, hoặc mã QR trong ứng dụng VNeID, vào máy đọc mã.</source>
        <translation>Xin đưa mã QR trên thẻ căn cước, hoặc mã QR trong ứng dụng VNeID, vào máy đọc mã.</translation>
    </message>
    <message id="guide.Form">
        <source>Xin điền các ô trên trang này rồi bấm Tiếp tục.</source>
        <translation>Xin điền các ô trên trang này rồi bấm Tiếp tục.</translation>
    </message>
    <message id="guide.Scan">
        <source>Đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Quét xong, bấm Tiếp tục.</source>
        <translation>Đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Quét xong, bấm Tiếp tục.</translation>
    </message>
    <message id="guide.Review">
        <source>Nếu có gì sai, xin bấm Sửa ở phần đó. Nếu đúng, bấm Tiếp tục.</source>
        <translation>Nếu có gì sai, xin bấm Sửa ở phần đó. Nếu đúng, bấm Tiếp tục.</translation>
    </message>
    <message id="guide.Confirm">
        <source>Xin nhập mã xác nhận rồi bấm Nộp hồ sơ. Không có điện thoại thì bấm nút hiện mã trên màn hình.</source>
        <translation>Xin nhập mã xác nhận rồi bấm Nộp hồ sơ. Không có điện thoại thì bấm nút hiện mã trên màn hình.</translation>
    </message>
    <message id="guide.Done">
        <source>Hồ sơ đã nộp xong. Xin nhận phiếu hẹn ở máy in. Chạm một khuôn mặt để cho biết ông bà có hài lòng không.</source>
        <translation>Hồ sơ đã nộp xong. Xin nhận phiếu hẹn ở máy in. Chạm một khuôn mặt để cho biết ông bà có hài lòng không.</translation>
    </message>
    <message id="guide.Lookup">
        <source>Xin đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ rồi bấm Tra cứu.</source>
        <translation>Xin đưa mã QR trên phiếu hẹn vào máy đọc, hoặc nhập mã hồ sơ rồi bấm Tra cứu.</translation>
    </message>
    <message id="reason.journey.not_allowed_here">
        <source>Thao tác này không dùng được ở bước này.</source>
        <translation>Thao tác này không dùng được ở bước này.</translation>
    </message>
    <message id="reason.journey.unknown_procedure">
        <source>Không tìm thấy thủ tục này. Xin chọn lại.</source>
        <translation>Không tìm thấy thủ tục này. Xin chọn lại.</translation>
    </message>
    <message id="reason.journey.unknown_field">
        <source>Không có ô thông tin này.</source>
        <translation>Không có ô thông tin này.</translation>
    </message>
    <message id="reason.journey.form_invalid">
        <source>Còn thông tin chưa đúng. Xin xem dòng có dấu ⚠.</source>
        <translation>Còn thông tin chưa đúng. Xin xem dòng có dấu ⚠.</translation>
    </message>
    <message id="reason.journey.document_missing">
        <source>Chưa quét giấy tờ bắt buộc: %1.</source>
        <translation>Chưa quét giấy tờ bắt buộc: %1.</translation>
    </message>
    <message id="reason.journey.no_such_document">
        <source>Không có giấy tờ này trong danh sách.</source>
        <translation>Không có giấy tờ này trong danh sách.</translation>
    </message>
    <message id="reason.journey.no_such_page">
        <source>Không có trang này.</source>
        <translation>Không có trang này.</translation>
    </message>
    <message id="reason.journey.page_unreadable">
        <source>Không đọc được trang vừa quét. Xin quét lại.</source>
        <translation>Không đọc được trang vừa quét. Xin quét lại.</translation>
    </message>
    <message id="reason.journey.too_many_pages">
        <source>Giấy tờ này nhiều nhất %1 trang. Xin bỏ bớt trang thừa.</source>
        <translation>Giấy tờ này nhiều nhất %1 trang. Xin bỏ bớt trang thừa.</translation>
    </message>
    <message id="reason.journey.wrong_code">
        <source>Mã xác nhận chưa đúng. Xin nhập lại.</source>
        <translation>Mã xác nhận chưa đúng. Xin nhập lại.</translation>
    </message>
    <message id="reason.journey.new_code_issued">
        <source>Nhập sai nhiều lần. Máy đã tạo mã xác nhận mới.</source>
        <translation>Nhập sai nhiều lần. Máy đã tạo mã xác nhận mới.</translation>
    </message>
    <message id="reason.journey.submission_in_progress">
        <source>Máy đang lưu hồ sơ, xin chờ trong giây lát.</source>
        <translation>Máy đang lưu hồ sơ, xin chờ trong giây lát.</translation>
    </message>
    <message id="reason.journey.invalid_rating">
        <source>Xin chọn từ 1 đến 5.</source>
        <translation>Xin chọn từ 1 đến 5.</translation>
    </message>
    <message id="reason.field.control_characters">
        <source>%1: có ký tự không hợp lệ.</source>
        <translation>%1: có ký tự không hợp lệ.</translation>
    </message>
    <message id="reason.field.too_long">
        <source>%1: không quá %2 ký tự.</source>
        <translation>%1: không quá %2 ký tự.</translation>
    </message>
    <message id="reason.field.too_short">
        <source>%1: cần ít nhất %2 ký tự.</source>
        <translation>%1: cần ít nhất %2 ký tự.</translation>
    </message>
    <message id="reason.field.required">
        <source>Xin nhập %1.</source>
        <translation>Xin nhập %1.</translation>
    </message>
    <message id="reason.field.choice_required">
        <source>Xin chọn %1.</source>
        <translation>Xin chọn %1.</translation>
    </message>
    <message id="reason.field.date_invalid">
        <source>%1: ngày không đúng. Xin nhập ngày/tháng/năm, ví dụ 05/09/1980.</source>
        <translation>%1: ngày không đúng. Xin nhập ngày/tháng/năm, ví dụ 05/09/1980.</translation>
    </message>
    <message id="reason.field.date_in_future">
        <source>%1: không được sau ngày hôm nay.</source>
        <translation>%1: không được sau ngày hôm nay.</translation>
    </message>
    <message id="reason.field.year_invalid">
        <source>%1: năm không đúng.</source>
        <translation>%1: năm không đúng.</translation>
    </message>
    <message id="reason.field.digits_only">
        <source>%1: chỉ gồm chữ số.</source>
        <translation>%1: chỉ gồm chữ số.</translation>
    </message>
    <message id="reason.field.email_invalid">
        <source>%1: địa chỉ thư điện tử không đúng, ví dụ ten@gmail.com.</source>
        <translation>%1: địa chỉ thư điện tử không đúng, ví dụ ten@gmail.com.</translation>
    </message>
    <message id="reason.field.id_number_format">
        <source>%1: gồm đúng 12 chữ số.</source>
        <translation>%1: gồm đúng 12 chữ số.</translation>
    </message>
    <message id="reason.field.id_number_province">
        <source>%1: ba chữ số đầu không đúng mã tỉnh.</source>
        <translation>%1: ba chữ số đầu không đúng mã tỉnh.</translation>
    </message>
    <message id="reason.field.number_only">
        <source>%1: chỉ nhập số.</source>
        <translation>%1: chỉ nhập số.</translation>
    </message>
    <message id="reason.field.below_minimum">
        <source>%1: ít nhất là %2.</source>
        <translation>%1: ít nhất là %2.</translation>
    </message>
    <message id="reason.field.above_maximum">
        <source>%1: nhiều nhất là %2.</source>
        <translation>%1: nhiều nhất là %2.</translation>
    </message>
    <message id="reason.field.name_invalid">
        <source>%1: chỉ gồm chữ cái, không có chữ số hay ký hiệu.</source>
        <translation>%1: chỉ gồm chữ cái, không có chữ số hay ký hiệu.</translation>
    </message>
    <message id="reason.field.pattern_mismatch">
        <source>%1: không đúng.</source>
        <translation>%1: không đúng.</translation>
    </message>
    <message id="reason.field.catalog_rule">
        <source>%1</source>
        <translation>%1</translation>
    </message>
    <message id="reason.identity.unreadable">
        <source>Không đọc được mã QR. Xin mở lại mã QR trên ứng dụng VNeID hoặc đưa mặt sau thẻ căn cước lại gần máy đọc.</source>
        <translation>Không đọc được mã QR. Xin mở lại mã QR trên ứng dụng VNeID hoặc đưa mặt sau thẻ căn cước lại gần máy đọc.</translation>
    </message>
    <message id="reason.identity.not_identity_code">
        <source>Mã vừa quét không phải mã QR của thẻ căn cước hoặc VNeID. Xin quét đúng mã QR.</source>
        <translation>Mã vừa quét không phải mã QR của thẻ căn cước hoặc VNeID. Xin quét đúng mã QR.</translation>
    </message>
    <message id="reason.identity.invalid">
        <source>Thông tin trong mã QR không đúng. Xin bấm nút Gọi cán bộ để được giúp.</source>
        <translation>Thông tin trong mã QR không đúng. Xin bấm nút Gọi cán bộ để được giúp.</translation>
    </message>
    <message id="reason.lookup.invalid_code">
        <source>Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ H15.50.05.13-261123-0001, hoặc đưa mã QR trên giấy hẹn lại gần máy đọc.</source>
        <translation>Mã hồ sơ không đúng. Xin kiểm tra lại mã in trên giấy hẹn, ví dụ H15.50.05.13-261123-0001, hoặc đưa mã QR trên giấy hẹn lại gần máy đọc.</translation>
    </message>
    <message id="reason.lookup.not_found">
        <source>Chưa tìm thấy hồ sơ có mã này. Hồ sơ vừa nộp tại máy có thể chưa được chuyển lên hệ thống; xin thử lại sau hoặc bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>Chưa tìm thấy hồ sơ có mã này. Hồ sơ vừa nộp tại máy có thể chưa được chuyển lên hệ thống; xin thử lại sau hoặc bấm nút Gọi cán bộ để được hỗ trợ.</translation>
    </message>
    <message id="reason.lookup.offline">
        <source>Hiện chưa kết nối được với hệ thống dịch vụ công nên chưa tra cứu được. Xin thử lại sau ít phút hoặc bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>Hiện chưa kết nối được với hệ thống dịch vụ công nên chưa tra cứu được. Xin thử lại sau ít phút hoặc bấm nút Gọi cán bộ để được hỗ trợ.</translation>
    </message>
    <message id="status.processing.received">
        <source>Đã tiếp nhận</source>
        <translation>Đã tiếp nhận</translation>
    </message>
    <message id="status.processing.processing">
        <source>Đang giải quyết</source>
        <translation>Đang giải quyết</translation>
    </message>
    <message id="status.processing.additional_documents_required">
        <source>Cần bổ sung giấy tờ</source>
        <translation>Cần bổ sung giấy tờ</translation>
    </message>
    <message id="status.processing.ready">
        <source>Đã có kết quả, mời ông/bà đến nhận</source>
        <translation>Đã có kết quả, mời ông/bà đến nhận</translation>
    </message>
    <message id="status.processing.returned">
        <source>Đã trả kết quả</source>
        <translation>Đã trả kết quả</translation>
    </message>
    <message id="status.processing.rejected">
        <source>Không được giải quyết</source>
        <translation>Không được giải quyết</translation>
    </message>
    <message id="reason.device.unplugged">
        <source>Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.</translation>
    </message>
    <message id="reason.device.busy">
        <source>Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.</source>
        <translation>Thiết bị đang bận. Xin chờ trong giây lát rồi thử lại.</translation>
    </message>
    <message id="reason.device.paper_out">
        <source>Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.</source>
        <translation>Máy in đã hết giấy. Xin bấm nút Gọi cán bộ để được hỗ trợ.</translation>
    </message>
    <message id="reason.device.paper_near_end">
        <source>Máy in sắp hết giấy.</source>
        <translation>Máy in sắp hết giấy.</translation>
    </message>
    <message id="reason.device.cover_open">
        <source>Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.</source>
        <translation>Nắp máy đang mở. Xin đóng nắp lại rồi thử lại.</translation>
    </message>
    <message id="reason.device.jammed">
        <source>Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.</source>
        <translation>Giấy bị kẹt trong máy quét. Xin gọi cán bộ để lấy giấy ra.</translation>
    </message>
    <message id="reason.device.no_documents">
        <source>Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.</source>
        <translation>Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét.</translation>
    </message>
    <message id="reason.device.io_error">
        <source>Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.</source>
        <translation>Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.</translation>
    </message>
    <message id="reason.device.cancelled">
        <source>Đã dừng quét.</source>
        <translation>Đã dừng quét.</translation>
    </message>
    <message id="reason.device.timeout">
        <source>Thiết bị không trả lời. Xin thử lại hoặc bấm nút Gọi cán bộ.</source>
        <translation>Thiết bị không trả lời. Xin thử lại hoặc bấm nút Gọi cán bộ.</translation>
    </message>
    <message id="reason.device.unsupported">
        <source>Thiết bị không hỗ trợ thao tác này. Xin gọi cán bộ.</source>
        <translation>Thiết bị không hỗ trợ thao tác này. Xin gọi cán bộ.</translation>
    </message>
    <message id="reason.outbox.not_stored">
        <source>Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; thông tin ông/bà đã nhập vẫn được giữ.</source>
        <translation>Máy chưa lưu được hồ sơ của ông/bà. Xin bấm nút Gọi cán bộ để được hỗ trợ; thông tin ông/bà đã nhập vẫn được giữ.</translation>
    </message>
    <message id="reason.outbox.disk_full">
        <source>Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Xin bấm nút Gọi cán bộ; thông tin ông/bà đã nhập vẫn được giữ.</source>
        <translation>Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Xin bấm nút Gọi cán bộ; thông tin ông/bà đã nhập vẫn được giữ.</translation>
    </message>
    <message id="notice.journey.staff_called">
        <source>Đã gọi cán bộ. Xin ông/bà chờ trong giây lát.</source>
        <translation>Đã gọi cán bộ. Xin ông/bà chờ trong giây lát.</translation>
    </message>
    <message id="notice.journey.slip_not_printed">
        <source>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình hoặc bấm Gọi cán bộ để được in lại.</source>
        <translation>Máy chưa in được phiếu hẹn. Xin chụp ảnh mã hồ sơ trên màn hình hoặc bấm Gọi cán bộ để được in lại.</translation>
    </message>
    <message id="procedure.time.sameDay">
        <source>Trong ngày</source>
        <translation>Trong ngày</translation>
    </message>
    <message id="procedure.time.days">
        <source>%1 ngày làm việc</source>
        <translation>%1 ngày làm việc</translation>
    </message>
    <message id="money.vnd">
        <source>%1 đồng</source>
        <translation>%1 đồng</translation>
    </message>
    <message id="money.grouping">
        <source>.</source>
        <translation>.</translation>
    </message>
    <message id="date.appointment">
        <source>%1, ngày %2</source>
        <translation>%1, ngày %2</translation>
    </message>
    <message id="date.received">
        <source>%1 giờ %2 phút, ngày %3</source>
        <translation>%1 giờ %2 phút, ngày %3</translation>
    </message>
    <message id="date.weekday0">
        <source>Thứ Hai</source>
        <translation>Thứ Hai</translation>
    </message>
    <message id="date.weekday1">
        <source>Thứ Ba</source>
        <translation>Thứ Ba</translation>
    </message>
    <message id="date.weekday2">
        <source>Thứ Tư</source>
        <translation>Thứ Tư</translation>
    </message>
    <message id="date.weekday3">
        <source>Thứ Năm</source>
        <translation>Thứ Năm</translation>
    </message>
    <message id="date.weekday4">
        <source>Thứ Sáu</source>
        <translation>Thứ Sáu</translation>
    </message>
    <message id="date.weekday5">
        <source>Thứ Bảy</source>
        <translation>Thứ Bảy</translation>
    </message>
    <message id="date.weekday6">
        <source>Chủ Nhật</source>
        <translation>Chủ Nhật</translation>
    </message>
    <message id="common.staffComing">
        <source>Đã gọi cán bộ, xin chờ</source>
        <translation>Đã gọi cán bộ, xin chờ</translation>
    </message>
    <message id="cancel.title">
        <source>Hủy hồ sơ này?</source>
        <translation>Hủy hồ sơ này?</translation>
    </message>
    <message id="cancel.body">
        <source>Mọi thông tin ông/bà đã điền và các trang đã quét sẽ bị xóa. Ông/bà sẽ phải làm lại từ đầu.</source>
        <translation>Mọi thông tin ông/bà đã điền và các trang đã quét sẽ bị xóa. Ông/bà sẽ phải làm lại từ đầu.</translation>
    </message>
    <message id="cancel.keep">
        <source>Không, tôi làm tiếp</source>
        <translation>Không, tôi làm tiếp</translation>
    </message>
    <message id="cancel.confirm">
        <source>Có, hủy và xóa hồ sơ</source>
        <translation>Có, hủy và xóa hồ sơ</translation>
    </message>
    <message id="step.position">
        <source>Bước %1/%2</source>
        <translation>Bước %1/%2</translation>
    </message>
    <message id="step.choose">
        <source>Chọn thủ tục</source>
        <translation>Chọn thủ tục</translation>
    </message>
    <message id="step.card">
        <source>Quét thẻ căn cước</source>
        <translation>Quét thẻ căn cước</translation>
    </message>
    <message id="step.information">
        <source>Thông tin</source>
        <translation>Thông tin</translation>
    </message>
    <message id="step.documents">
        <source>Quét giấy tờ</source>
        <translation>Quét giấy tờ</translation>
    </message>
    <message id="step.review">
        <source>Kiểm tra lại</source>
        <translation>Kiểm tra lại</translation>
    </message>
    <message id="step.confirm">
        <source>Xác nhận nộp</source>
        <translation>Xác nhận nộp</translation>
    </message>
    <message id="step.slip">
        <source>Nhận phiếu hẹn</source>
        <translation>Nhận phiếu hẹn</translation>
    </message>
    <message id="home.bring.title">
        <source>Ông/bà cần có:</source>
        <translation>Ông/bà cần có:</translation>
    </message>
    <message id="home.bring.card">
        <source>Thẻ căn cước, hoặc điện thoại có ứng dụng VNeID</source>
        <translation>Thẻ căn cước, hoặc điện thoại có ứng dụng VNeID</translation>
    </message>
    <message id="home.bring.papers">
        <source>Các giấy tờ của thủ tục (máy quét xong sẽ trả lại bản gốc)</source>
        <translation>Các giấy tờ của thủ tục (máy quét xong sẽ trả lại bản gốc)</translation>
    </message>
    <message id="home.bring.phone">
        <source>Số điện thoại để nhận tin nhắn (nếu có)</source>
        <translation>Số điện thoại để nhận tin nhắn (nếu có)</translation>
    </message>
    <message id="home.help">
        <source>Nếu cần giúp, xin bấm nút Gọi cán bộ bất cứ lúc nào. Cán bộ sẽ đến hướng dẫn.</source>
        <translation>Nếu cần giúp, xin bấm nút Gọi cán bộ bất cứ lúc nào. Cán bộ sẽ đến hướng dẫn.</translation>
    </message>
    <message id="details.formOnKiosk">
        <source>điền trên máy này</source>
        <translation>điền trên máy này</translation>
    </message>
    <message id="details.onlyIf">
        <source>Chỉ cần %1</source>
        <translation>Chỉ cần %1</translation>
    </message>
    <message id="card.title">
        <source>Thông tin trên thẻ của ông/bà</source>
        <translation>Thông tin trên thẻ của ông/bà</translation>
    </message>
    <message id="card.name">
        <source>Họ và tên</source>
        <translation>Họ và tên</translation>
    </message>
    <message id="card.idNumber">
        <source>Số định danh cá nhân</source>
        <translation>Số định danh cá nhân</translation>
    </message>
    <message id="card.birthDate">
        <source>Ngày sinh</source>
        <translation>Ngày sinh</translation>
    </message>
    <message id="card.sex">
        <source>Giới tính</source>
        <translation>Giới tính</translation>
    </message>
    <message id="card.address">
        <source>Nơi thường trú</source>
        <translation>Nơi thường trú</translation>
    </message>
    <message id="card.addressUpdated">
        <source>Tên tỉnh, xã trên thẻ đã đổi từ ngày 1/7/2025; máy ghi tên mới ở trên.</source>
        <translation>Tên tỉnh, xã trên thẻ đã đổi từ ngày 1/7/2025; máy ghi tên mới ở trên.</translation>
    </message>
    <message id="card.addressOnCard">
        <source>Trên thẻ ghi: %1</source>
        <translation>Trên thẻ ghi: %1</translation>
    </message>
    <message id="card.communeUnchecked">
        <source>Máy chưa biết tên xã, phường mới của ông/bà. Xin xem lại ở trang địa chỉ.</source>
        <translation>Máy chưa biết tên xã, phường mới của ông/bà. Xin xem lại ở trang địa chỉ.</translation>
    </message>
    <message id="card.question">
        <source>Thông tin này có đúng là của ông/bà không?</source>
        <translation>Thông tin này có đúng là của ông/bà không?</translation>
    </message>
    <message id="card.right">
        <source>Đúng</source>
        <translation>Đúng</translation>
    </message>
    <message id="card.wrong">
        <source>Chưa đúng, gọi cán bộ</source>
        <translation>Chưa đúng, gọi cán bộ</translation>
    </message>
    <message id="form.optional">
        <source>(không bắt buộc)</source>
        <translation>(không bắt buộc)</translation>
    </message>
    <message id="scan.state.done">
        <source>đã quét %1 trang</source>
        <translation>đã quét %1 trang</translation>
    </message>
    <message id="scan.state.todo">
        <source>chưa quét</source>
        <translation>chưa quét</translation>
    </message>
    <message id="scan.state.optional">
        <source>không bắt buộc</source>
        <translation>không bắt buộc</translation>
    </message>
    <message id="scan.whenNeeded">
        <source>Giấy này không bắt buộc. Chỉ cần khi: %1</source>
        <translation>Giấy này không bắt buộc. Chỉ cần khi: %1</translation>
    </message>
    <message id="scan.skip">
        <source>Tôi không có giấy này — bỏ qua</source>
        <translation>Tôi không có giấy này — bỏ qua</translation>
    </message>
    <message id="scan.removed">
        <source>Đã xóa một trang.</source>
        <translation>Đã xóa một trang.</translation>
    </message>
    <message id="scan.undo">
        <source>Hoàn tác</source>
        <translation>Hoàn tác</translation>
    </message>
    <message id="scan.closeView">
        <source>Đóng</source>
        <translation>Đóng</translation>
    </message>
    <message id="scan.waitForScan">
        <source>Xin chờ máy quét xong</source>
        <translation>Xin chờ máy quét xong</translation>
    </message>
    <message id="review.card">
        <source>Người nộp</source>
        <translation>Người nộp</translation>
    </message>
    <message id="confirm.digits">
        <source>Mã gồm %1 chữ số.</source>
        <translation>Mã gồm %1 chữ số.</translation>
    </message>
    <message id="confirm.enter">
        <source>Nhập mã vào ô này:</source>
        <translation>Nhập mã vào ô này:</translation>
    </message>
    <message id="confirm.needDigits">
        <source>Nhập đủ %1 chữ số để nộp</source>
        <translation>Nhập đủ %1 chữ số để nộp</translation>
    </message>
    <message id="confirm.noPhone">
        <source>Tôi không có điện thoại / không nhận được tin nhắn — hiện mã trên màn hình</source>
        <translation>Tôi không có điện thoại / không nhận được tin nhắn — hiện mã trên màn hình</translation>
    </message>
    <message id="done.waitForSlip">
        <source>Xin chờ in xong phiếu hẹn</source>
        <translation>Xin chờ in xong phiếu hẹn</translation>
    </message>
    <message id="lookup.where">
        <source>Mã hồ sơ in to ở đầu phiếu hẹn, dưới dòng chữ “Mã hồ sơ”. Mã QR ở cuối phiếu.</source>
        <translation>Mã hồ sơ in to ở đầu phiếu hẹn, dưới dòng chữ “Mã hồ sơ”. Mã QR ở cuối phiếu.</translation>
    </message>
    <message id="idle.seconds">
        <source>Còn %1 giây</source>
        <translation>Còn %1 giây</translation>
    </message>
    <message id="idle.spoken">
        <source>Ông bà còn ở đây không? Nếu còn, xin chạm vào màn hình. Nếu không, hồ sơ đang làm sẽ bị xóa sau ít giây.</source>
        <translation>Ông bà còn ở đây không? Nếu còn, xin chạm vào màn hình. Nếu không, hồ sơ đang làm sẽ bị xóa sau ít giây.</translation>
    </message>
    <message id="guide.CardCheck">
        <source>Nếu thông tin trên thẻ đúng, xin bấm Đúng. Nếu chưa đúng, bấm Chưa đúng, gọi cán bộ.</source>
        <translation>Nếu thông tin trên thẻ đúng, xin bấm Đúng. Nếu chưa đúng, bấm Chưa đúng, gọi cán bộ.</translation>
    </message>
    <message id="reason.journey.field_from_card">
        <source>Thông tin này lấy từ thẻ căn cước, không sửa được ở đây. Nếu sai, xin gọi cán bộ.</source>
        <translation>Thông tin này lấy từ thẻ căn cước, không sửa được ở đây. Nếu sai, xin gọi cán bộ.</translation>
    </message>
    <message id="reason.journey.card_data_invalid">
        <source>Thông tin trên thẻ chưa dùng được cho hồ sơ này. Xin bấm Gọi cán bộ để được giúp.</source>
        <translation>Thông tin trên thẻ chưa dùng được cho hồ sơ này. Xin bấm Gọi cán bộ để được giúp.</translation>
    </message>
    <message id="reason.journey.nothing_to_undo">
        <source>Không còn trang nào để lấy lại.</source>
        <translation>Không còn trang nào để lấy lại.</translation>
    </message>
    <message id="done.where">
        <source>Nơi nhận: %1. Giờ tiếp dân: %2.</source>
        <translation>Nơi nhận: %1. Giờ tiếp dân: %2.</translation>
    </message>
    <message id="lookup.officialCode">
        <source>Mã của cơ quan giải quyết: %1</source>
        <translation>Mã của cơ quan giải quyết: %1</translation>
    </message>
    <message id="form.tapAnswer">
        <source>Xin chạm vào một câu trả lời.</source>
        <translation>Xin chạm vào một câu trả lời.</translation>
    </message>
    <message id="scan.whenDone">
        <source>Nếu đã quét hết các trang của giấy này, bấm Tiếp tục.</source>
        <translation>Nếu đã quét hết các trang của giấy này, bấm Tiếp tục.</translation>
    </message>
    <message id="details.legend">
        <source>● bắt buộc    ○ chỉ khi cần</source>
        <translation>● bắt buộc    ○ chỉ khi cần</translation>
    </message>
    <message id="done.bring">
        <source>Khi đến nhận, xin mang theo phiếu hẹn và thẻ căn cước.</source>
        <translation>Khi đến nhận, xin mang theo phiếu hẹn và thẻ căn cước.</translation>
    </message>
    <message id="step.page">
        <source>trang %1/%2</source>
        <translation>trang %1/%2</translation>
    </message>
    <message id="home.hours">
        <source>Giờ tiếp dân tại Bộ phận Một cửa:</source>
        <translation>Giờ tiếp dân tại Bộ phận Một cửa:</translation>
    </message>
    <message id="done.onTheSlip">
        <source>Phiếu hẹn ghi nơi nhận, giờ tiếp dân và giấy tờ cần mang theo.</source>
        <translation>Phiếu hẹn ghi nơi nhận, giờ tiếp dân và giấy tờ cần mang theo.</translation>
    </message>
    <message id="done.useCode">
        <source>Ông/bà dùng mã này để tra cứu hồ sơ.</source>
        <translation>Ông/bà dùng mã này để tra cứu hồ sơ.</translation>
    </message>
    <message id="guide.ScanOptional">
        <source>Giấy này không phải ai cũng cần. Nếu có, đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Nếu không có, bấm Tôi không có giấy này, bỏ qua.</source>
        <translation>Giấy này không phải ai cũng cần. Nếu có, đặt giấy vào khay quét, mặt chữ úp xuống, rồi bấm Quét. Nếu không có, bấm Tôi không có giấy này, bỏ qua.</translation>
    </message>
    <message id="guide.TechEntry">
        <source>Màn hình này dành cho kỹ thuật viên. Nếu ông/bà là người dân, xin bấm Quay lại.</source>
        <translation>Màn hình này dành cho kỹ thuật viên. Nếu ông/bà là người dân, xin bấm Quay lại.</translation>
    </message>
    <message id="guide.Technician">
        <source>Chế độ kỹ thuật. Bấm Thoát khi làm xong.</source>
        <translation>Chế độ kỹ thuật. Bấm Thoát khi làm xong.</translation>
    </message>
    <message id="tech.entry.title">
        <source>Dành cho kỹ thuật viên</source>
        <translation>Dành cho kỹ thuật viên</translation>
    </message>
    <message id="tech.entry.how">
        <source>Nhập mã PIN kỹ thuật rồi bấm Vào, hoặc đưa thẻ kỹ thuật viên (mã QR) vào máy đọc mã.</source>
        <translation>Nhập mã PIN kỹ thuật rồi bấm Vào, hoặc đưa thẻ kỹ thuật viên (mã QR) vào máy đọc mã.</translation>
    </message>
    <message id="tech.entry.clear">
        <source>Xóa</source>
        <translation>Xóa</translation>
    </message>
    <message id="tech.entry.ok">
        <source>Vào</source>
        <translation>Vào</translation>
    </message>
    <message id="tech.entry.wrongPin">
        <source>Mã PIN không đúng. Còn %1 lần thử.</source>
        <translation>Mã PIN không đúng. Còn %1 lần thử.</translation>
    </message>
    <message id="tech.entry.locked">
        <source>Nhập sai quá nhiều lần: việc nhập PIN bị khóa đến %1. Có thể dùng thẻ kỹ thuật viên.</source>
        <translation>Nhập sai quá nhiều lần: việc nhập PIN bị khóa đến %1. Có thể dùng thẻ kỹ thuật viên.</translation>
    </message>
    <message id="tech.entry.noPin">
        <source>Máy chưa có mã PIN kỹ thuật. Dùng thẻ kỹ thuật viên; mã PIN được đặt khi cài đặt máy.</source>
        <translation>Máy chưa có mã PIN kỹ thuật. Dùng thẻ kỹ thuật viên; mã PIN được đặt khi cài đặt máy.</translation>
    </message>
    <message id="tech.entry.noKey">
        <source>Máy chưa đăng ký với máy chủ tỉnh nên chưa kiểm tra được thẻ. Dùng mã PIN.</source>
        <translation>Máy chưa đăng ký với máy chủ tỉnh nên chưa kiểm tra được thẻ. Dùng mã PIN.</translation>
    </message>
    <message id="tech.entry.citizenSubmitting">
        <source>Máy đang lưu hồ sơ của người dân. Xin chờ vài giây rồi thử lại.</source>
        <translation>Máy đang lưu hồ sơ của người dân. Xin chờ vài giây rồi thử lại.</translation>
    </message>
    <message id="tech.badge.notBadge">
        <source>Mã vừa đọc không phải thẻ kỹ thuật viên.</source>
        <translation>Mã vừa đọc không phải thẻ kỹ thuật viên.</translation>
    </message>
    <message id="tech.badge.malformed">
        <source>Thẻ không đọc được hoặc bị hỏng.</source>
        <translation>Thẻ không đọc được hoặc bị hỏng.</translation>
    </message>
    <message id="tech.badge.bad_signature">
        <source>Thẻ không do máy chủ tỉnh cấp.</source>
        <translation>Thẻ không do máy chủ tỉnh cấp.</translation>
    </message>
    <message id="tech.badge.not_yet_valid">
        <source>Thẻ chưa đến thời gian sử dụng (hoặc đồng hồ của máy bị sai).</source>
        <translation>Thẻ chưa đến thời gian sử dụng (hoặc đồng hồ của máy bị sai).</translation>
    </message>
    <message id="tech.badge.expired">
        <source>Thẻ đã hết hạn. Xin cấp thẻ mới.</source>
        <translation>Thẻ đã hết hạn. Xin cấp thẻ mới.</translation>
    </message>
    <message id="tech.badge.other_kiosk">
        <source>Thẻ này không dùng cho máy này.</source>
        <translation>Thẻ này không dùng cho máy này.</translation>
    </message>
    <message id="tech.badge.other_area">
        <source>Thẻ này dùng cho địa bàn khác.</source>
        <translation>Thẻ này dùng cho địa bàn khác.</translation>
    </message>
    <message id="tech.title">
        <source>Chế độ kỹ thuật</source>
        <translation>Chế độ kỹ thuật</translation>
    </message>
    <message id="tech.who">
        <source>Người vào: %1</source>
        <translation>Người vào: %1</translation>
    </message>
    <message id="tech.leave">
        <source>Thoát</source>
        <translation>Thoát</translation>
    </message>
    <message id="tech.failed">
        <source>Không làm được: %1</source>
        <translation>Không làm được: %1</translation>
    </message>
    <message id="tech.section.status">
        <source>Tình trạng</source>
        <translation>Tình trạng</translation>
    </message>
    <message id="tech.section.devices">
        <source>Thiết bị</source>
        <translation>Thiết bị</translation>
    </message>
    <message id="tech.section.network">
        <source>Mạng</source>
        <translation>Mạng</translation>
    </message>
    <message id="tech.section.outbox">
        <source>Hồ sơ chờ gửi</source>
        <translation>Hồ sơ chờ gửi</translation>
    </message>
    <message id="tech.section.log">
        <source>Nhật ký</source>
        <translation>Nhật ký</translation>
    </message>
    <message id="tech.status.intro">
        <source>Kết quả kiểm tra máy. Mục có dấu ✗ hoặc ! cần xử lý.</source>
        <translation>Kết quả kiểm tra máy. Mục có dấu ✗ hoặc ! cần xử lý.</translation>
    </message>
    <message id="tech.status.running">
        <source>Đang kiểm tra…</source>
        <translation>Đang kiểm tra…</translation>
    </message>
    <message id="tech.status.again">
        <source>Kiểm tra lại</source>
        <translation>Kiểm tra lại</translation>
    </message>
    <message id="tech.devices.qr">
        <source>Máy đọc mã QR</source>
        <translation>Máy đọc mã QR</translation>
    </message>
    <message id="tech.devices.qrHold">
        <source>Đưa một mã QR vào máy đọc để thử.</source>
        <translation>Đưa một mã QR vào máy đọc để thử.</translation>
    </message>
    <message id="tech.devices.qrRead">
        <source>Đã đọc được: %1</source>
        <translation>Đã đọc được: %1</translation>
    </message>
    <message id="tech.devices.scanner">
        <source>Máy quét giấy tờ</source>
        <translation>Máy quét giấy tờ</translation>
    </message>
    <message id="tech.devices.scanTest">
        <source>Quét thử</source>
        <translation>Quét thử</translation>
    </message>
    <message id="tech.devices.scanning">
        <source>Đang quét…</source>
        <translation>Đang quét…</translation>
    </message>
    <message id="tech.devices.scanResult">
        <source>%1 trang, trung bình %2 KB/trang. Cảnh báo: %3</source>
        <translation>%1 trang, trung bình %2 KB/trang. Cảnh báo: %3</translation>
    </message>
    <message id="tech.devices.noFlags">
        <source>không có</source>
        <translation>không có</translation>
    </message>
    <message id="tech.devices.printer">
        <source>Máy in phiếu hẹn</source>
        <translation>Máy in phiếu hẹn</translation>
    </message>
    <message id="tech.devices.printerStatus">
        <source>Tình trạng: %1</source>
        <translation>Tình trạng: %1</translation>
    </message>
    <message id="tech.devices.printTest">
        <source>In thử</source>
        <translation>In thử</translation>
    </message>
    <message id="tech.devices.printing">
        <source>Đang in…</source>
        <translation>Đang in…</translation>
    </message>
    <message id="tech.devices.printed">
        <source>Đã in trang thử. Xem thước đo: hai mép phải in đủ.</source>
        <translation>Đã in trang thử. Xem thước đo: hai mép phải in đủ.</translation>
    </message>
    <message id="tech.devices.notPrinted">
        <source>Không in được: %1</source>
        <translation>Không in được: %1</translation>
    </message>
    <message id="tech.printer.ready">
        <source>sẵn sàng</source>
        <translation>sẵn sàng</translation>
    </message>
    <message id="tech.printer.paper_near_end">
        <source>sắp hết giấy</source>
        <translation>sắp hết giấy</translation>
    </message>
    <message id="tech.printer.paper_out">
        <source>hết giấy</source>
        <translation>hết giấy</translation>
    </message>
    <message id="tech.printer.cover_open">
        <source>nắp đang mở</source>
        <translation>nắp đang mở</translation>
    </message>
    <message id="tech.printer.offline">
        <source>không kết nối</source>
        <translation>không kết nối</translation>
    </message>
    <message id="tech.printer.unknown">
        <source>máy in không báo</source>
        <translation>máy in không báo</translation>
    </message>
    <message id="tech.devices.screen">
        <source>Màn hình và loa</source>
        <translation>Màn hình và loa</translation>
    </message>
    <message id="tech.devices.touchTest">
        <source>Thử cảm ứng</source>
        <translation>Thử cảm ứng</translation>
    </message>
    <message id="tech.devices.touchDone">
        <source>Xong</source>
        <translation>Xong</translation>
    </message>
    <message id="tech.devices.touchOk">
        <source>Chạm được cả bốn góc và giữa màn hình.</source>
        <translation>Chạm được cả bốn góc và giữa màn hình.</translation>
    </message>
    <message id="tech.devices.touchFailed">
        <source>Có chỗ chạm không được: kiểm tra lại màn hình cảm ứng.</source>
        <translation>Có chỗ chạm không được: kiểm tra lại màn hình cảm ứng.</translation>
    </message>
    <message id="tech.devices.speakerTest">
        <source>Thử loa</source>
        <translation>Thử loa</translation>
    </message>
    <message id="tech.devices.speakerSample">
        <source>Xin chào. Đây là tiếng đọc thử của máy nộp hồ sơ.</source>
        <translation>Xin chào. Đây là tiếng đọc thử của máy nộp hồ sơ.</translation>
    </message>
    <message id="tech.network.noControl">
        <source>Máy này không có NetworkManager nên không chỉnh Wi-Fi ở đây được.</source>
        <translation>Máy này không có NetworkManager nên không chỉnh Wi-Fi ở đây được.</translation>
    </message>
    <message id="tech.network.scan">
        <source>Tìm mạng</source>
        <translation>Tìm mạng</translation>
    </message>
    <message id="tech.network.scanning">
        <source>Đang tìm…</source>
        <translation>Đang tìm…</translation>
    </message>
    <message id="tech.network.join">
        <source>Kết nối</source>
        <translation>Kết nối</translation>
    </message>
    <message id="tech.network.forget">
        <source>Quên mạng</source>
        <translation>Quên mạng</translation>
    </message>
    <message id="tech.network.joining">
        <source>Kết nối với %1</source>
        <translation>Kết nối với %1</translation>
    </message>
    <message id="tech.network.passphrase">
        <source>Mật khẩu Wi-Fi</source>
        <translation>Mật khẩu Wi-Fi</translation>
    </message>
    <message id="tech.outbox.none">
        <source>Máy này không có hồ sơ chờ gửi trên đĩa.</source>
        <translation>Máy này không có hồ sơ chờ gửi trên đĩa.</translation>
    </message>
    <message id="tech.outbox.loading">
        <source>Đang đọc hồ sơ chờ gửi…</source>
        <translation>Đang đọc hồ sơ chờ gửi…</translation>
    </message>
    <message id="tech.outbox.summary">
        <source>Chờ gửi: %1 · Đang gửi: %2 · Cần xử lý: %3 · Đã gửi xong: %4.</source>
        <translation>Chờ gửi: %1 · Đang gửi: %2 · Cần xử lý: %3 · Đã gửi xong: %4.</translation>
    </message>
    <message id="tech.outbox.oldest">
        <source>Hồ sơ chờ lâu nhất: %1 phút.</source>
        <translation>Hồ sơ chờ lâu nhất: %1 phút.</translation>
    </message>
    <message id="tech.outbox.retryAll">
        <source>Gửi lại tất cả</source>
        <translation>Gửi lại tất cả</translation>
    </message>
    <message id="tech.outbox.retry">
        <source>Gửi lại</source>
        <translation>Gửi lại</translation>
    </message>
    <message id="tech.outbox.export">
        <source>Chép ra USB</source>
        <translation>Chép ra USB</translation>
    </message>
    <message id="tech.outbox.exporting">
        <source>Đang chép…</source>
        <translation>Đang chép…</translation>
    </message>
    <message id="tech.outbox.state.queued">
        <source>chờ gửi</source>
        <translation>chờ gửi</translation>
    </message>
    <message id="tech.outbox.state.uploading">
        <source>đang gửi</source>
        <translation>đang gửi</translation>
    </message>
    <message id="tech.outbox.state.uploaded">
        <source>chờ mã chính thức</source>
        <translation>chờ mã chính thức</translation>
    </message>
    <message id="tech.outbox.state.submitted">
        <source>đã gửi xong</source>
        <translation>đã gửi xong</translation>
    </message>
    <message id="tech.outbox.state.needs_attention">
        <source>cần xử lý</source>
        <translation>cần xử lý</translation>
    </message>
    <message id="tech.log.intro">
        <source>Nhật ký gần đây của máy (số định danh đã được che).</source>
        <translation>Nhật ký gần đây của máy (số định danh đã được che).</translation>
    </message>
    <message id="tech.log.export">
        <source>Chép nhật ký ra USB</source>
        <translation>Chép nhật ký ra USB</translation>
    </message>
    <message id="tech.care.exported">
        <source>Đã chép %count hồ sơ vào tệp %file trên USB. Mang tệp này đến máy chủ tỉnh để nhập.</source>
        <translation>Đã chép %count hồ sơ vào tệp %file trên USB. Mang tệp này đến máy chủ tỉnh để nhập.</translation>
    </message>
    <message id="tech.care.log_exported">
        <source>Đã chép nhật ký vào tệp %file trên USB.</source>
        <translation>Đã chép nhật ký vào tệp %file trên USB.</translation>
    </message>
    <message id="tech.care.no_stick">
        <source>Không thấy USB. Cắm USB rồi thử lại.</source>
        <translation>Không thấy USB. Cắm USB rồi thử lại.</translation>
    </message>
    <message id="tech.care.export_failed">
        <source>Chưa chép được: %detail</source>
        <translation>Chưa chép được: %detail</translation>
    </message>
    <message id="tech.care.write_failed">
        <source>USB không ghi được (đầy, bị rút hoặc chỉ đọc): %detail</source>
        <translation>USB không ghi được (đầy, bị rút hoặc chỉ đọc): %detail</translation>
    </message>
    <message id="tech.whoPin">
        <source>Vào bằng mã PIN kỹ thuật</source>
        <translation>Vào bằng mã PIN kỹ thuật</translation>
    </message>
    <message id="tech.export.no_sealing_key">
        <source>máy chưa đăng ký với máy chủ tỉnh (chưa có khóa để mã hóa)</source>
        <translation>máy chưa đăng ký với máy chủ tỉnh (chưa có khóa để mã hóa)</translation>
    </message>
    <message id="tech.export.bad_sealing_key">
        <source>khóa mã hóa trong cấu hình bị hỏng</source>
        <translation>khóa mã hóa trong cấu hình bị hỏng</translation>
    </message>
    <message id="tech.export.nothing_to_export">
        <source>không có hồ sơ nào đang chờ gửi</source>
        <translation>không có hồ sơ nào đang chờ gửi</translation>
    </message>
    <message id="tech.export.unknown_dossier">
        <source>không tìm thấy hồ sơ đã chọn</source>
        <translation>không tìm thấy hồ sơ đã chọn</translation>
    </message>
    <message id="tech.export.already_delivered">
        <source>hồ sơ đã chọn đã được gửi xong</source>
        <translation>hồ sơ đã chọn đã được gửi xong</translation>
    </message>
    <message id="tech.export.too_many">
        <source>quá nhiều hồ sơ cho một lần chép</source>
        <translation>quá nhiều hồ sơ cho một lần chép</translation>
    </message>
    <message id="tech.export.not_in_format">
        <source>có hồ sơ không chép được theo định dạng</source>
        <translation>có hồ sơ không chép được theo định dạng</translation>
    </message>
    <message id="tech.export.target_missing">
        <source>USB đã bị rút ra</source>
        <translation>USB đã bị rút ra</translation>
    </message>
    <message id="tech.export.target_read_only">
        <source>USB chỉ cho đọc</source>
        <translation>USB chỉ cho đọc</translation>
    </message>
    <message id="tech.export.disk_full">
        <source>USB đã đầy</source>
        <translation>USB đã đầy</translation>
    </message>
    <message id="tech.export.target_failed">
        <source>USB bị lỗi khi ghi</source>
        <translation>USB bị lỗi khi ghi</translation>
    </message>
    <message id="tech.export.file_exists">
        <source>trên USB đã có tệp cùng tên; xin thử lại sau một giây</source>
        <translation>trên USB đã có tệp cùng tên; xin thử lại sau một giây</translation>
    </message>
    <message id="tech.export.dossier_unreadable">
        <source>bản lưu của một hồ sơ bị hỏng</source>
        <translation>bản lưu của một hồ sơ bị hỏng</translation>
    </message>
    <message id="tech.export.outbox_unavailable">
        <source>hồ sơ chờ gửi đang bận hoặc bị lỗi</source>
        <translation>hồ sơ chờ gửi đang bận hoặc bị lỗi</translation>
    </message>
    <message id="tech.network.reading">
        <source>Đang đọc tình trạng mạng…</source>
        <translation>Đang đọc tình trạng mạng…</translation>
    </message>
    <message id="tech.network.connected">
        <source>Đã kết nối: %1, địa chỉ %2.</source>
        <translation>Đã kết nối: %1, địa chỉ %2.</translation>
    </message>
    <message id="tech.network.notConnected">
        <source>Chưa kết nối Wi-Fi. Chọn một mạng rồi bấm Kết nối.</source>
        <translation>Chưa kết nối Wi-Fi. Chọn một mạng rồi bấm Kết nối.</translation>
    </message>
    <message id="tech.wifi.unavailable">
        <source>Không liên lạc được với NetworkManager.</source>
        <translation>Không liên lạc được với NetworkManager.</translation>
    </message>
    <message id="tech.wifi.no_wifi_device">
        <source>Máy không có bộ thu Wi-Fi.</source>
        <translation>Máy không có bộ thu Wi-Fi.</translation>
    </message>
    <message id="tech.wifi.wifi_disabled">
        <source>Wi-Fi đang tắt.</source>
        <translation>Wi-Fi đang tắt.</translation>
    </message>
    <message id="tech.wifi.not_found">
        <source>Không thấy mạng này nữa. Bấm Tìm mạng rồi thử lại.</source>
        <translation>Không thấy mạng này nữa. Bấm Tìm mạng rồi thử lại.</translation>
    </message>
    <message id="tech.wifi.passphrase_required">
        <source>Mạng này cần mật khẩu.</source>
        <translation>Mạng này cần mật khẩu.</translation>
    </message>
    <message id="tech.wifi.invalid_passphrase">
        <source>Mật khẩu không hợp lệ (WPA cần 8 đến 63 ký tự).</source>
        <translation>Mật khẩu không hợp lệ (WPA cần 8 đến 63 ký tự).</translation>
    </message>
    <message id="tech.wifi.wrong_passphrase">
        <source>Sai mật khẩu Wi-Fi.</source>
        <translation>Sai mật khẩu Wi-Fi.</translation>
    </message>
    <message id="tech.wifi.unsupported_security">
        <source>Máy chưa hỗ trợ kiểu bảo mật của mạng này.</source>
        <translation>Máy chưa hỗ trợ kiểu bảo mật của mạng này.</translation>
    </message>
    <message id="tech.wifi.no_address">
        <source>Đã vào mạng nhưng không nhận được địa chỉ IP.</source>
        <translation>Đã vào mạng nhưng không nhận được địa chỉ IP.</translation>
    </message>
    <message id="tech.wifi.timeout">
        <source>Kết nối quá lâu không xong. Thử lại.</source>
        <translation>Kết nối quá lâu không xong. Thử lại.</translation>
    </message>
    <message id="tech.wifi.permission_denied">
        <source>Máy không được phép đổi mạng (thiếu quyền polkit).</source>
        <translation>Máy không được phép đổi mạng (thiếu quyền polkit).</translation>
    </message>
    <message id="tech.wifi.failed">
        <source>Không kết nối được.</source>
        <translation>Không kết nối được.</translation>
    </message>
    <message id="tech.enrol.how">
        <source>Đăng ký máy với máy chủ tỉnh: đưa mã đăng ký (QR) do máy chủ tỉnh cấp vào máy đọc khi màn hình này đang mở.</source>
        <translation>Đăng ký máy với máy chủ tỉnh: đưa mã đăng ký (QR) do máy chủ tỉnh cấp vào máy đọc khi màn hình này đang mở.</translation>
    </message>
    <message id="tech.enrol.working">
        <source>Đang đăng ký với máy chủ tỉnh…</source>
        <translation>Đang đăng ký với máy chủ tỉnh…</translation>
    </message>
    <message id="tech.enrol.done">
        <source>Đã đăng ký máy %1 với máy chủ tỉnh %2. Bấm Khởi động lại để dùng cấu hình mới.</source>
        <translation>Đã đăng ký máy %1 với máy chủ tỉnh %2. Bấm Khởi động lại để dùng cấu hình mới.</translation>
    </message>
    <message id="tech.enrol.restart">
        <source>Khởi động lại</source>
        <translation>Khởi động lại</translation>
    </message>
    <message id="tech.enrol.invalid_code">
        <source>Đây không phải mã đăng ký.</source>
        <translation>Đây không phải mã đăng ký.</translation>
    </message>
    <message id="tech.enrol.bad_gateway_url">
        <source>Mã này dành cho máy chủ khác, không phải máy chủ tỉnh của máy này.</source>
        <translation>Mã này dành cho máy chủ khác, không phải máy chủ tỉnh của máy này.</translation>
    </message>
    <message id="tech.enrol.code_unknown">
        <source>Máy chủ tỉnh không biết mã này. Xin cấp mã mới.</source>
        <translation>Máy chủ tỉnh không biết mã này. Xin cấp mã mới.</translation>
    </message>
    <message id="tech.enrol.code_used">
        <source>Mã này đã được dùng. Xin cấp mã mới.</source>
        <translation>Mã này đã được dùng. Xin cấp mã mới.</translation>
    </message>
    <message id="tech.enrol.code_expired">
        <source>Mã này đã hết hạn. Xin cấp mã mới.</source>
        <translation>Mã này đã hết hạn. Xin cấp mã mới.</translation>
    </message>
    <message id="tech.enrol.proof_invalid">
        <source>Máy chủ tỉnh không xác minh được khóa của máy. Kiểm tra phiên bản phần mềm rồi thử lại.</source>
        <translation>Máy chủ tỉnh không xác minh được khóa của máy. Kiểm tra phiên bản phần mềm rồi thử lại.</translation>
    </message>
    <message id="tech.enrol.refused">
        <source>Máy chủ tỉnh từ chối đăng ký.</source>
        <translation>Máy chủ tỉnh từ chối đăng ký.</translation>
    </message>
    <message id="tech.enrol.unreachable">
        <source>Không liên lạc được với máy chủ tỉnh. Xem mục Mạng và kết quả kiểm tra; chưa có gì thay đổi.</source>
        <translation>Không liên lạc được với máy chủ tỉnh. Xem mục Mạng và kết quả kiểm tra; chưa có gì thay đổi.</translation>
    </message>
    <message id="tech.enrol.bad_answer">
        <source>Máy chủ tỉnh trả lời sai giao thức; mã có thể đã bị dùng. Xin mã mới.</source>
        <translation>Máy chủ tỉnh trả lời sai giao thức; mã có thể đã bị dùng. Xin mã mới.</translation>
    </message>
    <message id="tech.enrol.not_saved">
        <source>Đã đăng ký nhưng máy không lưu được cấu hình (đĩa đầy hoặc thiếu quyền). Cần mã mới.</source>
        <translation>Đã đăng ký nhưng máy không lưu được cấu hình (đĩa đầy hoặc thiếu quyền). Cần mã mới.</translation>
    </message>
    <message id="tech.setup.title">
        <source>Đổi thiết bị</source>
        <translation>Đổi thiết bị</translation>
    </message>
    <message id="tech.setup.kind.qr">
        <source>Máy đọc mã QR</source>
        <translation>Máy đọc mã QR</translation>
    </message>
    <message id="tech.setup.kind.scanner">
        <source>Máy quét</source>
        <translation>Máy quét</translation>
    </message>
    <message id="tech.setup.kind.printer">
        <source>Máy in</source>
        <translation>Máy in</translation>
    </message>
    <message id="tech.setup.driver.camera">
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message id="tech.setup.driver.serial">
        <source>Cổng nối tiếp</source>
        <translation>Cổng nối tiếp</translation>
    </message>
    <message id="tech.setup.driver.keyboard">
        <source>Đầu đọc USB (kiểu bàn phím)</source>
        <translation>Đầu đọc USB (kiểu bàn phím)</translation>
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
        <translation>Mạng</translation>
    </message>
    <message id="tech.setup.driver.file">
        <source>Tệp thiết bị</source>
        <translation>Tệp thiết bị</translation>
    </message>
    <message id="tech.setup.where.camera">
        <source>Số camera (0, 1…)</source>
        <translation>Số camera (0, 1…)</translation>
    </message>
    <message id="tech.setup.where.serial">
        <source>Cổng, ví dụ /dev/ttyACM0</source>
        <translation>Cổng, ví dụ /dev/ttyACM0</translation>
    </message>
    <message id="tech.setup.where.keyboard">
        <source>Thiết bị, ví dụ /dev/input/by-id/…-event-kbd</source>
        <translation>Thiết bị, ví dụ /dev/input/by-id/…-event-kbd</translation>
    </message>
    <message id="tech.setup.where.sane">
        <source>Tên thiết bị SANE (để trống: máy đầu tiên tìm thấy)</source>
        <translation>Tên thiết bị SANE (để trống: máy đầu tiên tìm thấy)</translation>
    </message>
    <message id="tech.setup.where.usb">
        <source>Mã USB vvvv:pppp, ví dụ 04b8:0e15</source>
        <translation>Mã USB vvvv:pppp, ví dụ 04b8:0e15</translation>
    </message>
    <message id="tech.setup.where.network">
        <source>Địa chỉ máy in, ví dụ 192.168.1.50:9100</source>
        <translation>Địa chỉ máy in, ví dụ 192.168.1.50:9100</translation>
    </message>
    <message id="tech.setup.where.file">
        <source>Tệp thiết bị, ví dụ /dev/usb/lp0</source>
        <translation>Tệp thiết bị, ví dụ /dev/usb/lp0</translation>
    </message>
    <message id="tech.setup.option.scanner">
        <source>Nguồn giấy: feeder, flatbed hoặc duplex</source>
        <translation>Nguồn giấy: feeder, flatbed hoặc duplex</translation>
    </message>
    <message id="tech.setup.option.printer">
        <source>Loại máy in (profile), ví dụ TM-T20II</source>
        <translation>Loại máy in (profile), ví dụ TM-T20II</translation>
    </message>
    <message id="tech.setup.try">
        <source>Thử và lưu</source>
        <translation>Thử và lưu</translation>
    </message>
    <message id="tech.setup.trying">
        <source>Đang thử thiết bị…</source>
        <translation>Đang thử thiết bị…</translation>
    </message>
    <message id="tech.setup.saved">
        <source>Thiết bị trả lời: %1. Đã lưu cấu hình; khởi động lại để dùng.</source>
        <translation>Thiết bị trả lời: %1. Đã lưu cấu hình; khởi động lại để dùng.</translation>
    </message>
    <message id="tech.setup.notSaved">
        <source>Thiết bị không trả lời đúng: %1. Chưa lưu gì.</source>
        <translation>Thiết bị không trả lời đúng: %1. Chưa lưu gì.</translation>
    </message>
    <message id="tech.setup.badChoice">
        <source>Lựa chọn chưa đúng (%1): %2. Chưa lưu gì.</source>
        <translation>Lựa chọn chưa đúng (%1): %2. Chưa lưu gì.</translation>
    </message>
    <message id="tech.check.configuration">
        <source>Cấu hình</source>
        <translation>Cấu hình</translation>
    </message>
    <message id="tech.check.enrolment">
        <source>Đăng ký với máy chủ tỉnh</source>
        <translation>Đăng ký với máy chủ tỉnh</translation>
    </message>
    <message id="tech.check.technician_pin">
        <source>Mã PIN kỹ thuật</source>
        <translation>Mã PIN kỹ thuật</translation>
    </message>
    <message id="tech.check.qr_reader">
        <source>Máy đọc mã QR</source>
        <translation>Máy đọc mã QR</translation>
    </message>
    <message id="tech.check.scanner">
        <source>Máy quét</source>
        <translation>Máy quét</translation>
    </message>
    <message id="tech.check.printer">
        <source>Máy in</source>
        <translation>Máy in</translation>
    </message>
    <message id="tech.check.gateway_dns">
        <source>Tên miền máy chủ tỉnh</source>
        <translation>Tên miền máy chủ tỉnh</translation>
    </message>
    <message id="tech.check.gateway_connect">
        <source>Kết nối đến máy chủ tỉnh</source>
        <translation>Kết nối đến máy chủ tỉnh</translation>
    </message>
    <message id="tech.check.gateway_tls">
        <source>Chứng chỉ bảo mật (TLS)</source>
        <translation>Chứng chỉ bảo mật (TLS)</translation>
    </message>
    <message id="tech.check.gateway_auth">
        <source>Xác thực với máy chủ tỉnh</source>
        <translation>Xác thực với máy chủ tỉnh</translation>
    </message>
    <message id="tech.check.clock">
        <source>Đồng hồ của máy</source>
        <translation>Đồng hồ của máy</translation>
    </message>
    <message id="tech.check.sync">
        <source>Đồng bộ hồ sơ</source>
        <translation>Đồng bộ hồ sơ</translation>
    </message>
    <message id="tech.check.outbox">
        <source>Hồ sơ chờ gửi</source>
        <translation>Hồ sơ chờ gửi</translation>
    </message>
    <message id="tech.check.disk">
        <source>Dung lượng đĩa</source>
        <translation>Dung lượng đĩa</translation>
    </message>
    <message id="tech.check.versions">
        <source>Phiên bản</source>
        <translation>Phiên bản</translation>
    </message>
    <message id="tech.enrol.noConfigFile">
        <source>Máy chạy không có tệp cấu hình nên không đăng ký ở đây được.</source>
        <translation>Máy chạy không có tệp cấu hình nên không đăng ký ở đây được.</translation>
    </message>
    <message id="tech.enrol.actor">
        <source>mã đăng ký (máy mới)</source>
        <translation>mã đăng ký (máy mới)</translation>
    </message>
    <message id="tech.entry.howEnrol">
        <source>Máy chưa đăng ký: đưa mã đăng ký do máy chủ tỉnh cấp vào máy đọc mã.</source>
        <translation>Máy chưa đăng ký: đưa mã đăng ký do máy chủ tỉnh cấp vào máy đọc mã.</translation>
    </message>
    <message id="tech.entry.unrecordable">
        <source>Máy không ghi được số lần nhập (đĩa đầy?) nên tạm không nhận mã PIN. Dùng thẻ kỹ thuật viên.</source>
        <translation>Máy không ghi được số lần nhập (đĩa đầy?) nên tạm không nhận mã PIN. Dùng thẻ kỹ thuật viên.</translation>
    </message>
    <message id="tech.devices.qrCard">
        <source>thẻ căn cước số %1</source>
        <translation>thẻ căn cước số %1</translation>
    </message>
    <message id="tech.devices.noSpeech">
        <source>Máy chưa có giọng đọc (espeak-ng) nên không thử loa được.</source>
        <translation>Máy chưa có giọng đọc (espeak-ng) nên không thử loa được.</translation>
    </message>
    <message id="tech.network.secured">
        <source>có mật khẩu</source>
        <translation>có mật khẩu</translation>
    </message>
    <message id="tech.gateway.title">
        <source>Máy chủ tỉnh</source>
        <translation>Máy chủ tỉnh</translation>
    </message>
    <message id="tech.gateway.url">
        <source>Địa chỉ máy chủ tỉnh (https://…)</source>
        <translation>Địa chỉ máy chủ tỉnh (https://…)</translation>
    </message>
    <message id="tech.gateway.caFile">
        <source>Tệp chứng chỉ gốc (CA) nếu cần, ví dụ /etc/kiosk/ca.pem</source>
        <translation>Tệp chứng chỉ gốc (CA) nếu cần, ví dụ /etc/kiosk/ca.pem</translation>
    </message>
    <message id="tech.gateway.proxy">
        <source>Máy chủ proxy nếu cần, ví dụ http://10.0.0.1:3128</source>
        <translation>Máy chủ proxy nếu cần, ví dụ http://10.0.0.1:3128</translation>
    </message>
    <message id="tech.gateway.trying">
        <source>Đang kiểm tra kết nối…</source>
        <translation>Đang kiểm tra kết nối…</translation>
    </message>
    <message id="tech.gateway.saved">
        <source>Kết nối được và đã lưu; khởi động lại để dùng.</source>
        <translation>Kết nối được và đã lưu; khởi động lại để dùng.</translation>
    </message>
    <message id="tech.gateway.notSaved">
        <source>Chưa lưu gì. %1</source>
        <translation>Chưa lưu gì. %1</translation>
    </message>
    <message id="tech.camera.exposureAuto">
        <source>Phơi sáng tự động</source>
        <translation>Phơi sáng tự động</translation>
    </message>
    <message id="tech.camera.focusAuto">
        <source>Lấy nét tự động</source>
        <translation>Lấy nét tự động</translation>
    </message>
    <message id="tech.camera.save">
        <source>Lưu độ sáng và nét</source>
        <translation>Lưu độ sáng và nét</translation>
    </message>
    <message id="tech.camera.saved">
        <source>Đã lưu; máy dùng lại sau khi khởi động.</source>
        <translation>Đã lưu; máy dùng lại sau khi khởi động.</translation>
    </message>
    <message id="tech.camera.notSaved">
        <source>Chưa lưu được.</source>
        <translation>Chưa lưu được.</translation>
    </message>
    <message id="tech.setup.findScanners">
        <source>Tìm máy quét</source>
        <translation>Tìm máy quét</translation>
    </message>
    <message id="tech.setup.noScanner">
        <source>Không tìm thấy máy quét nào. Kiểm tra cáp USB và nguồn điện.</source>
        <translation>Không tìm thấy máy quét nào. Kiểm tra cáp USB và nguồn điện.</translation>
    </message>
    <message id="tech.setup.source.feeder">
        <source>Khay nạp giấy</source>
        <translation>Khay nạp giấy</translation>
    </message>
    <message id="tech.setup.source.flatbed">
        <source>Mặt kính</source>
        <translation>Mặt kính</translation>
    </message>
    <message id="tech.setup.source.duplex">
        <source>Nạp giấy hai mặt</source>
        <translation>Nạp giấy hai mặt</translation>
    </message>
    <message id="tech.firstRun.title">
        <source>Cài đặt lần đầu</source>
        <translation>Cài đặt lần đầu</translation>
    </message>
    <message id="tech.firstRun.howCode">
        <source>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên đưa mã đăng ký do máy chủ tỉnh cấp cho kiosk này vào máy đọc mã.</source>
        <translation>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên đưa mã đăng ký do máy chủ tỉnh cấp cho kiosk này vào máy đọc mã.</translation>
    </message>
    <message id="tech.firstRun.howPin">
        <source>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên nhập mã PIN kỹ thuật rồi bấm Vào, sau đó đăng ký kiosk ở mục Tình trạng.</source>
        <translation>Kiosk này chưa đăng ký với máy chủ tỉnh nên chưa nhận hồ sơ. Kỹ thuật viên nhập mã PIN kỹ thuật rồi bấm Vào, sau đó đăng ký kiosk ở mục Tình trạng.</translation>
    </message>
    <message id="fault.title">
        <source>Kiosk đang tạm ngừng phục vụ</source>
        <translation>Kiosk đang tạm ngừng phục vụ</translation>
    </message>
    <message id="fault.citizen">
        <source>Xin mời ông/bà đến quầy Bộ phận Một cửa để được cán bộ hỗ trợ nộp hồ sơ. Xin lỗi vì sự bất tiện này.</source>
        <translation>Xin mời ông/bà đến quầy Bộ phận Một cửa để được cán bộ hỗ trợ nộp hồ sơ. Xin lỗi vì sự bất tiện này.</translation>
    </message>
    <message id="fault.technician">
        <source>Dành cho kỹ thuật viên: tệp cấu hình %1 không dùng được: %2. Sửa tệp (kiosk config check %1 để kiểm tra); kiosk tự khởi động lại khi tệp thay đổi.</source>
        <translation>Dành cho kỹ thuật viên: tệp cấu hình %1 không dùng được: %2. Sửa tệp (kiosk config check %1 để kiểm tra); kiosk tự khởi động lại khi tệp thay đổi.</translation>
    </message>
    <message id="scan.check.other_document">
        <source>Giấy tờ vừa quét có vẻ là “%2”, không phải “%1”.</source>
        <translation>Giấy tờ vừa quét có vẻ là “%2”, không phải “%1”.</translation>
    </message>
    <message id="scan.check.blank">
        <source>Đầu trang giấy vừa quét để trống, không thấy tên “%1”. Có thể giấy bị đặt ngược mặt.</source>
        <translation>Đầu trang giấy vừa quét để trống, không thấy tên “%1”. Có thể giấy bị đặt ngược mặt.</translation>
    </message>
    <message id="scan.check.upside_down">
        <source>Giấy tờ vừa quét có vẻ bị đặt ngược. Xin đặt “%1” với đầu trang vào trước rồi quét lại.</source>
        <translation>Giấy tờ vừa quét có vẻ bị đặt ngược. Xin đặt “%1” với đầu trang vào trước rồi quét lại.</translation>
    </message>
    <message id="scan.check.cut_off">
        <source>Giấy tờ vừa quét có vẻ bị mất một phần. Xin đặt thẳng “%1” vào khay rồi quét lại.</source>
        <translation>Giấy tờ vừa quét có vẻ bị mất một phần. Xin đặt thẳng “%1” vào khay rồi quét lại.</translation>
    </message>
    <message id="scan.check.unreadable">
        <source>Máy không đọc được tên giấy tờ vừa quét, nên chưa chắc đó là “%1”.</source>
        <translation>Máy không đọc được tên giấy tờ vừa quét, nên chưa chắc đó là “%1”.</translation>
    </message>
    <message id="scan.check.title">
        <source>Xin kiểm tra lại giấy tờ</source>
        <translation>Xin kiểm tra lại giấy tờ</translation>
    </message>
    <message id="scan.check.choice">
        <source>Ông/bà có thể quét lại, hoặc vẫn nộp giấy tờ này nếu chắc chắn là đúng; cán bộ sẽ kiểm tra lại.</source>
        <translation>Ông/bà có thể quét lại, hoặc vẫn nộp giấy tờ này nếu chắc chắn là đúng; cán bộ sẽ kiểm tra lại.</translation>
    </message>
    <message id="scan.check.keep">
        <source>Vẫn nộp giấy tờ này</source>
        <translation>Vẫn nộp giấy tờ này</translation>
    </message>
    <message id="scan.check.checking">
        <source>Đang kiểm tra giấy tờ vừa quét, xin chờ một chút…</source>
        <translation>Đang kiểm tra giấy tờ vừa quét, xin chờ một chút…</translation>
    </message>
    <message id="scan.check.kept">
        <source>Ông/bà đã chọn vẫn nộp giấy tờ này; cán bộ sẽ kiểm tra lại.</source>
        <translation>Ông/bà đã chọn vẫn nộp giấy tờ này; cán bộ sẽ kiểm tra lại.</translation>
    </message>
    <message id="review.checkKept">
        <source>Có thể chưa đúng giấy tờ; cán bộ sẽ kiểm tra lại.</source>
        <translation>Có thể chưa đúng giấy tờ; cán bộ sẽ kiểm tra lại.</translation>
    </message>
    <message id="review.checkKeptList">
        <source>Cán bộ sẽ kiểm tra lại giấy tờ có thể chưa đúng: %1.</source>
        <translation>Cán bộ sẽ kiểm tra lại giấy tờ có thể chưa đúng: %1.</translation>
    </message>
</context>
</TS>
