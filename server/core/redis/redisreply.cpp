#include "redisreply.h"

#include <hiredis/hiredis.h>

namespace confab {

RedisReply RedisReply::from(const redisReply *r)
{
    RedisReply out;
    if (!r)
        return out;
    switch (r->type) {
    case REDIS_REPLY_NIL:
        out.kind = Kind::Nil;
        break;
    case REDIS_REPLY_STATUS:
        out.kind = Kind::Status;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.kind = Kind::Error;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.kind = Kind::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_STRING:
        out.kind = Kind::String;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ARRAY:
        out.kind = Kind::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(from(r->element[i]));
        break;
    default:
        out.kind = Kind::Error;
        out.text = "unexpected reply type";
    }
    return out;
}

QByteArray RedisReply::str() const
{
    if (kind == Kind::String || kind == Kind::Status)
        return text;
    if (kind == Kind::Integer)
        return QByteArray::number(integer);
    return {};
}

qint64 RedisReply::toInt() const
{
    if (kind == Kind::Integer)
        return integer;
    if (kind == Kind::String)
        return text.toLongLong();
    return 0;
}

const RedisReply &RedisReply::at(qsizetype i) const
{
    static const RedisReply none{Kind::Nil, {}, 0, {}};
    return i >= 0 && i < elements.size() ? elements[i] : none;
}

} // namespace confab
